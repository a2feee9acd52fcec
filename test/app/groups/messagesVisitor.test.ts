// CONTRACT-groups §B, §F with a visitor (CONTRACT-visitors-files): a visitor who is a member of a
// group sends to it, reads its history and revokes their own message like any member.
import { strict as assert } from 'node:assert';
import { connect, listen, user } from '../messaging/support';
import { arrive } from '../visitors/support';
import { MESSAGE_KEYS, groupHistory, makeGroup, revokeGroup, sendGroup } from './messageSupport';

const ok = (res: { status: number; body: any }) => {
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.data;
};

describe('group messages from a visitor member', () => {
  const server = listen();

  it('a visitor member sends (delivered to the members), reads the history, and revokes their message', async () => {
    const owner = await user('vgowner1');
    const visitor = await arrive();
    assert.equal(visitor.role, 'visitor');
    const group = await makeGroup(owner, [ visitor ], 'mixed');
    const ownerWs = await connect(server.port, owner.token);
    const visitorWs = await connect(server.port, visitor.token);
    await ownerWs.received(1); // the create notice
    await visitorWs.received(1);

    const message = ok(await sendGroup(server.base, visitor.token, group.id, 'hello from a visitor'));
    assert.deepEqual(Object.keys(message), MESSAGE_KEYS);
    assert.equal(message.from_id, visitor.id);
    assert.equal(message.to_id, group.id);
    assert.equal(message.seq, 2);
    const [ , delivered ] = await ownerWs.received(2);
    assert.deepEqual(delivered.data, message);

    const history = ok(await groupHistory(server.base, visitor.token, group.id));
    assert.deepEqual(history.map((m: any) => m.seq), [ 2, 1 ]);
    assert.deepEqual(history[0], message);

    const notice = ok(await revokeGroup(server.base, visitor.token, message.id, group.id));
    assert.equal(notice.id, message.id);
    assert.equal(notice.actionType, 'revoke');
    assert.equal(notice.from_id, visitor.id);
    const frames = await ownerWs.received(3);
    assert.deepEqual(frames[2].data, notice);
    const [ latest ] = ok(await groupHistory(server.base, owner.token, group.id));
    assert.equal(latest.id, message.id);
    assert.equal(latest.isremove, 1);
  });
});
