// listapplyfriend is served from a serialized page while the inbox's version is unchanged
// (docs/performance.md "listapplyfriend: a page served from its version"). After random new
// applications, answers (agree, refuse, ignore), deletions, profile and standing changes of
// applicants, made through the API and straight by SQL, every answer must equal, byte for byte,
// the answer built from the tables right then without any cache: the statement as it was before
// the cache (below, frozen), through Sequelize.
import { strict as assert } from 'node:assert';
import { app, mock } from 'egg-mock/bootstrap';
import { InboxRow, inboxItem } from '../../../app/lib/friends/views';
import { FRIENDS_SQL } from '../../../app/repository/friends';
import { prng } from '../../helpers';
import { apply, execute, get, handle, members, plainUsers, post, query, randomRounds, userChanges } from './support';

const NAMES = [ '张三', '李四', '阿明', 'bob', 'Bob', 'Émile', 'émile', '😀smile', 'Ｚeta', '_under', '(x)', '钱多多', '' ];
const STATUSES = [ 'pending', 'refuse', 'agree', 'ignore' ];

// The page's statement before the cache (and before FORCE INDEX): the reference the answers must equal.
const OLD_INBOX_PAGE = `SELECT a.create_time, a.id, a.user_id, a.friend_id, a.nickname, a.friendlookme, a.melookfriend, a.ismystarfriend,
    a.isblack, a.status, a.\`order\`, a.update_time, u.username, u.avatar, u.nickname AS user_nickname, u.uuid,
    (${FRIENDS_SQL.pendingToMe}) AS pending
  FROM goodfriendapply a JOIN \`user\` u ON u.id = a.user_id
  WHERE a.friend_id = :me AND u.status = 1 AND u.is_deleted = 0
  ORDER BY a.id DESC LIMIT :offset, :limit`;

/** The answer built from the tables now, unbatched and uncached: the bytes listapplyfriend must send. */
async function expected(me: number, page: number, limit: number): Promise<string> {
  const rows = await query<InboxRow & { pending: number }>(OLD_INBOX_PAGE, { me, offset: (page - 1) * limit, limit });
  const pending = rows.length ? Number(rows[0].pending) : Number((await query<{ pending: number }>(FRIENDS_SQL.pendingToMe, { me }))[0].pending);
  const { timezone } = app.config.im.user;
  return JSON.stringify({ msg: 'ok', data: { alldata: rows.map(row => inboxItem(row, timezone)), pendingCount: pending } });
}

const insertApplication = (from: number, to: number, note: string, status: string) => execute(
  'INSERT INTO goodfriendapply (user_id, friend_id, nickname, status, create_time, update_time) ' +
  'VALUES (:from, :to, :note, :status, NOW(3) - INTERVAL FLOOR(RAND() * 1000) SECOND, NOW(3)) ' +
  'ON DUPLICATE KEY UPDATE status = VALUES(status), nickname = VALUES(nickname), update_time = VALUES(update_time)',
  { from, to, note, status });

describe('listapplyfriend served from its version', () => {
  it('every page equals the uncached answer byte for byte after random changes of every kind', async () => {
    // The same rounds on every run; SEED picks another sequence.
    const random = prng(Number(process.env.SEED ?? 11));
    const pick = <T>(list: T[]): T => list[Math.floor(random() * list.length)];
    const name = () => pick(NAMES) + (random() < 0.5 ? String(Math.floor(random() * 100)) : '');

    const [ me, other, ...active ] = await members([ 'inboxowner', 'otherowner',
      ...Array.from({ length: 10 }, (_, i) => ({ username: `act${i}`, nickname: name() })) ]);
    const quiet = await plainUsers(Array.from({ length: 40 }, (_, i) => ({ username: `q${String(i).padStart(3, '0')}`, nickname: name() })));
    const applicants = [ ...active.map(a => a.id), ...quiet.map(q => q.id) ];
    for (const id of quiet.map(q => q.id)) {
      if (random() < 0.8) await insertApplication(id, me.id, name(), pick(STATUSES));
      if (random() < 0.3) await insertApplication(id, other.id, name(), pick(STATUSES));
    }

    let builds = 0;
    const build = app.repos.friends.listInbox.bind(app.repos.friends);
    mock(app.repos.friends, 'listInbox', (...args: Parameters<typeof build>) => {
      builds++;
      return build(...args);
    });
    const owners = [ me, other ];
    const pages: Array<[number, number]> = [[ 1, 10 ], [ 2, 10 ], [ 1, 100 ], [ 3, 7 ], [ 9, 10 ]];
    const check = async (round: string) => {
      for (const owner of owners) {
        for (const [ page, limit ] of pages) {
          const path = `/api/chat/listapplyfriend/${page}?limit=${limit}`;
          for (let twice = 0; twice < 2; twice++) {
            const res = await get(path, owner.token);
            assert.equal(res.status, 200);
            assert.match(String(res.headers['content-type']), /^application\/json; charset=utf-8$/);
            assert.equal(res.text, await expected(owner.id, page, limit), `${round}: ${owner.username} page ${page}, limit ${limit}`);
          }
        }
      }
    };

    await check('start');
    // The second request of each page was served from its version.
    assert.equal(builds, owners.length * pages.length);

    const myApplication = async (status?: string) => {
      const rows = await query<{ id: number }>(`SELECT id FROM goodfriendapply WHERE friend_id = :me${status ? ' AND status = :status' : ''}`,
        { me: me.id, status });
      return rows.length ? pick(rows).id : null;
    };
    const changes: Array<() => Promise<string>> = [
      async () => {
        const from = pick(active);
        const res = await apply(from, me.id, { nickname: name() });
        assert.ok([ 200, 409, 429 ].includes(res.status), res.text);
        return `applyfriend ${from.id} -> me (${res.status})`;
      },
      async () => {
        const from = pick(quiet).id;
        await insertApplication(from, pick(owners).id, name(), pick(STATUSES));
        return `application of ${from} by SQL`;
      },
      async () => {
        const id = await myApplication('pending');
        if (id === null) return 'no pending application';
        const status = pick([ 'agree', 'refuse', 'ignore' ]);
        const res = await handle(me, id, status, status === 'agree' ? { nickname: name() } : {});
        assert.ok([ 200, 404, 409 ].includes(res.status), res.text);
        return `handleapply ${id} ${status} (${res.status})`;
      },
      async () => {
        const id = await myApplication();
        if (id === null) return 'no application';
        await execute('UPDATE goodfriendapply SET status = :status WHERE id = :id', { status: pick(STATUSES), id });
        return `status of application ${id} by SQL`;
      },
      async () => {
        const id = await myApplication();
        if (id === null) return 'no application';
        const column = pick([ 'nickname', 'order', 'isblack', 'ismystarfriend', 'update_time' ]);
        const value = column === 'nickname' ? name() : column === 'update_time' ? new Date(Date.now() - Math.floor(random() * 1e8)) : Math.floor(random() * 3);
        await execute(`UPDATE goodfriendapply SET \`${column}\` = :value WHERE id = :id`, { value, id });
        return `${column} of application ${id} by SQL`;
      },
      async () => {
        const id = await myApplication();
        if (id === null) return 'no application';
        await execute('DELETE FROM goodfriendapply WHERE id = :id', { id });
        return `application ${id} deleted by SQL`;
      },
      async () => {
        const friend = pick(active);
        const res = await post(`/api/chat/deletegoodfriend/${friend.id}`, me.token, {});
        assert.ok([ 200, 404 ].includes(res.status), res.text);
        return `deletegoodfriend ${friend.id} (${res.status})`;
      },
      ...userChanges(random, name, active, quiet, () => applicants),
      async () => {
        const id = pick(quiet).id;
        await execute('UPDATE `user` SET nickname = :n, avatar = :a WHERE id = :id', { n: name(), a: `/a/${Math.floor(random() * 100)}.png`, id });
        return `nickname and avatar of ${id} by SQL`;
      },
      async () => {
        const [ fresh ] = await plainUsers([{ username: `new${Math.floor(random() * 1e9)}`, nickname: name() }]);
        applicants.push(fresh.id);
        await insertApplication(fresh.id, me.id, name(), 'pending');
        return `new applicant ${fresh.id}`;
      },
    ];

    await randomRounds(random, 16, changes, check);
  });

  it('a change made between two requests is on the second; a login and other inboxes keep the version', async () => {
    const [ me, applicant, stranger ] = await members([ 'owner0001', { username: 'appl00001', nickname: 'Before' }, 'stranger01' ]);
    await insertApplication(applicant.id, me.id, 'hello', 'pending');
    const names = async () => JSON.parse((await get('/api/chat/listapplyfriend/1', me.token)).text).data.alldata
      .map((item: { user: { nickname: string } }) => item.user.nickname);
    assert.deepEqual(await names(), [ 'Before' ]);
    await execute('UPDATE `user` SET nickname = :n WHERE id = :id', { n: 'After', id: applicant.id });
    assert.deepEqual(await names(), [ 'After' ]);
    await execute('UPDATE `user` SET status = 0 WHERE id = :id', { id: applicant.id });
    assert.deepEqual(await names(), []);
    // A login (last_login), an application elsewhere and an unchanged status leave the version alone.
    const version = async () => String((await query<{ version: string }>('SELECT version FROM apply_inbox_version WHERE user_id = :me', { me: me.id }))[0].version);
    const before = await version();
    await execute('UPDATE `user` SET last_login = NOW(3) WHERE id = :id', { id: applicant.id });
    await insertApplication(applicant.id, stranger.id, 'elsewhere', 'pending');
    await execute('UPDATE goodfriendapply SET status = \'pending\' WHERE friend_id = :me', { me: me.id });
    assert.equal(await version(), before);
  });
});
