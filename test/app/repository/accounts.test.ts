// The repositories of the accounts, visitors and files domains against the real MariaDB: the
// reads whose rules the services rely on (app/repository/users.ts, visitors.ts, files.ts).
import { strict as assert } from 'node:assert';
import { randomUUID } from 'node:crypto';
import { app } from 'egg-mock/bootstrap';
import { register } from '../../helpers';

const DAY = 86_400_000;

async function visitorRow(lastLogin: Date | null, created: Date): Promise<number> {
  const user = await app.model.User.create({
    uuid: randomUUID(), username: `v${randomUUID().slice(0, 12)}`, password: '!', avatar: '', role: 'visitor',
    last_login: lastLogin, register_time: created, register_ip: null,
  });
  await app.model.query('UPDATE `user` SET create_time = :created WHERE id = :id', { replacements: { id: user.id, created } });
  return user.id;
}

describe('repositories of accounts, visitors and files', () => {
  it('users.existsUsername: case-insensitive, the user\'s own name does not count with exceptId', async () => {
    const { users } = app.repos;
    const { id } = await register('Repo_Name');
    assert.equal(await users.existsUsername('repo_name'), true);
    assert.equal(await users.existsUsername('repo_name', undefined, id), false);
    assert.equal(await users.existsUsername('other_name'), false);
  });

  it('users.findByUsername: never a deleted account', async () => {
    const { users } = app.repos;
    const { id } = await register('repo_deleted');
    assert.equal((await users.findByUsername('repo_deleted'))?.id, id);
    await app.model.User.update({ is_deleted: 1 }, { where: { id } });
    assert.equal(await users.findByUsername('repo_deleted'), null);
  });

  it('visitors.listIdle / lockIdle: visitors last seen (or, never seen, created) before the threshold', async () => {
    const { visitors } = app.repos;
    const now = Date.now();
    const before = new Date(now - 30 * DAY);
    const idle = await visitorRow(new Date(now - 31 * DAY), new Date(now - 40 * DAY));
    const neverSeen = await visitorRow(null, new Date(now - 31 * DAY));
    await visitorRow(new Date(now - DAY), new Date(now - 40 * DAY));
    await visitorRow(null, new Date(now - DAY));
    const { id: user } = await register('repo_user');
    await app.model.User.update({ last_login: new Date(now - 40 * DAY) }, { where: { id: user } });
    assert.deepEqual((await visitors.listIdle(before, 10)).sort(), [ idle, neverSeen ].sort());
    assert.equal((await visitors.listIdle(before, 1)).length, 1);
    const locked = await app.model.transaction(transaction => visitors.lockIdle([ idle, user ], before, transaction));
    assert.deepEqual(locked, [ idle ]);
  });

  it('files.existsVideo: only a key registered as a video', async () => {
    const { files } = app.repos;
    const row = { user_id: null, mime: 'video/mp4', size: 1, width: null, height: null };
    await files.saveFile({ ...row, storage_key: 'repo/a.mp4', kind: 'video' });
    await files.saveFile({ ...row, storage_key: 'repo/b.png', kind: 'image', mime: 'image/png' });
    assert.equal(await files.existsVideo('repo/a.mp4'), true);
    assert.equal(await files.existsVideo('repo/b.png'), false);
    assert.equal(await files.existsVideo('repo/none.mp4'), false);
  });
});
