// listapplyfriend's pages asked for in one turn of the event loop are read by one statement (a
// union of their ranges, docs/performance.md "The hot reads"). Each request must get, byte for
// byte, the answer built from the tables right then by the plain statement through Sequelize.
import { strict as assert } from 'node:assert';
import { app } from 'egg-mock/bootstrap';
import { InboxRow, inboxItem } from '../../../app/lib/friends/views';
import { FRIENDS_SQL } from '../../../app/repository/friends';
import { listen } from '../messaging/support';
import { execute, Member, members, query } from './support';

async function expected(me: number, page: number, limit: number): Promise<string> {
  const rows = await query<InboxRow & { pending: number }>(FRIENDS_SQL.inboxPage, { me, offset: (page - 1) * limit, limit });
  const pending = rows.length ? Number(rows[0].pending) : Number((await query<{ pending: number }>(FRIENDS_SQL.pendingToMe, { me }))[0].pending);
  const { timezone } = app.config.im.user;
  return JSON.stringify({ msg: 'ok', data: { alldata: rows.map(row => inboxItem(row, timezone)), pendingCount: pending } });
}

describe('listapplyfriend batched per turn', () => {
  // One server for the block: requests sent at once reach it together.
  const server = listen();
  const get = async (path: string, token: string) => {
    const res = await fetch(`${server.base}${path}`, { headers: { token } });
    return { status: res.status, text: await res.text() };
  };

  it('concurrent requests for many inboxes and pages each get their own answer; a change is seen by the next request', async () => {
    const [ x, y, z, ...applicants ] = await members([ 'inboxx', 'inboxy', 'inboxz', ...Array.from({ length: 12 }, (_, i) => `appl${i}`) ]);
    // x gets 12 applications, y 5 (two of them answered), z none.
    for (const [ i, a ] of applicants.entries()) {
      const to = i < 12 ? [ x ] : [];
      if (i % 2 === 0 && i < 10) to.push(y);
      for (const target of to) {
        await execute('INSERT INTO goodfriendapply (user_id, friend_id, nickname, status, create_time, update_time) ' +
          'VALUES (:a, :b, :note, :status, NOW(3) - INTERVAL :age SECOND, NOW(3))',
        { a: a.id, b: target.id, note: `hi ${i}`, status: target === y && i < 4 ? 'agree' : 'pending', age: 100 - i });
      }
    }
    const asks: Array<[Member, number, number]> = [
      [ x, 1, 5 ], [ x, 2, 5 ], [ x, 3, 5 ], [ x, 4, 5 ], [ y, 1, 10 ], [ y, 1, 2 ], [ z, 1, 10 ], [ x, 1, 100 ], [ x, 1, 5 ],
    ];
    for (let round = 0; round < 3; round++) {
      const answers = await Promise.all(asks.map(([ who, page, limit ]) => get(`/api/chat/listapplyfriend/${page}?limit=${limit}`, who.token)));
      for (const [ i, [ who, page, limit ]] of asks.entries()) {
        assert.equal(answers[i].status, 200);
        assert.equal(answers[i].text, await expected(who.id, page, limit), `round ${round}: ${who.username} page ${page} limit ${limit}`);
      }
      // Changes the next round must see: an applicant gone, an application answered, a new one.
      await execute('UPDATE `user` SET status = 1 - status WHERE id = :id', { id: applicants[round * 2].id });
      await execute('UPDATE goodfriendapply SET status = \'refuse\' WHERE friend_id = :x ORDER BY id LIMIT 1', { x: x.id });
      await execute('INSERT INTO goodfriendapply (user_id, friend_id, nickname, status, create_time, update_time) VALUES (:a, :z, \'new\', \'pending\', NOW(3), NOW(3))',
        { a: applicants[round].id, z: z.id });
    }

    // The repository's batch, asked in one turn: each key its own rows, as the plain statement reads them.
    const keys = asks.map(([ who, page, limit ]) => [ who.id, (page - 1) * limit, limit ] as const);
    const batched = await Promise.all(keys.map(([ me, offset, limit ]) => app.repos.friends.listInbox(me, offset, limit)));
    for (const [ i, [ me, offset, limit ]] of keys.entries()) {
      const alone = await query(FRIENDS_SQL.inboxPage, { me, offset, limit });
      assert.equal(JSON.stringify(batched[i]), JSON.stringify(alone), `listInbox ${keys[i]}`);
    }
    // A full page, a page past the end, z's new application (from the applicant who is not gone).
    assert.deepEqual([ batched[0].length, batched[3].length, batched[6].length ], [ 5, 0, 1 ]);
    // Equal keys share the rows.
    assert.equal(batched[0], batched[8]);
  });
});
