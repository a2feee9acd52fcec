// goodfriendlist is served from a serialized page while the list's version is unchanged
// (docs/performance.md "goodfriendlist: a page served from its version"). After random remarks,
// profile changes, standings, blacklists, deletions and new friends, made through the API and
// straight by SQL, every answer must equal, byte for byte, the answer built from the tables
// right then without any cache: the same statements through Sequelize, grouped and sorted.
import { strict as assert } from 'node:assert';
import { app, mock } from 'egg-mock/bootstrap';
import { groupFriends } from '../../../app/lib/friends/friendGroups';
import { FriendItemRow, friendItem } from '../../../app/lib/friends/views';
import { FRIENDS_SQL } from '../../../app/repository/friends';
import { prng } from '../../helpers';
import { befriendBySql, execute, get, Member, members, plainUsers, post, query, randomRounds, userChanges } from './support';

const NAMES = [ '张三', '李四', '阿明', '王五', 'bob', 'Bob', 'Émile', 'émile', '9lives', '😀smile', 'Ｚeta', 'zoe', '_under', '(x)', '赵', '钱多多', 'alice', '' ];

/** The answer built from the tables now, unbatched and uncached: the bytes goodfriendlist must send. */
async function expected(me: number, page: number, limit: number): Promise<string> {
  const rows = await query<FriendItemRow>(FRIENDS_SQL.friendPage, { me, offset: (page - 1) * limit, limit });
  const [{ count }] = await query<{ count: number }>(FRIENDS_SQL.friendCount, { me });
  return JSON.stringify({ msg: 'ok', data: { count: Number(count), rows: groupFriends(rows.map(friendItem)) } });
}

describe('goodfriendlist served from its version', () => {
  it('a 2,000-friend page equals the uncached answer byte for byte after random changes of every kind', async () => {
    // The same rounds on every run; SEED picks another sequence.
    const random = prng(Number(process.env.SEED ?? 7));
    const pick = <T>(list: T[]): T => list[Math.floor(random() * list.length)];
    const name = () => pick(NAMES) + (random() < 0.5 ? String(Math.floor(random() * 100)) : '');

    const [ me, ...active ] = await members([ 'listowner', ...Array.from({ length: 8 }, (_, i) => ({ username: `act${i}`, nickname: name() })) ]);
    const quiet = await plainUsers(Array.from({ length: 1992 }, (_, i) => ({ username: `q${String(i).padStart(4, '0')}`, nickname: name() })));
    const friendIds = [ ...active.map(f => f.id), ...quiet.map(f => f.id) ];
    await befriendBySql(me.id, friendIds);
    for (const id of friendIds) {
      if (random() < 0.3) await execute('UPDATE goodfriend SET nickname = :n WHERE user_id = :me AND friend_id = :id', { n: name(), me: me.id, id });
    }

    let builds = 0;
    const build = app.repos.friends.listFriends.bind(app.repos.friends);
    mock(app.repos.friends, 'listFriends', (...args: Parameters<typeof build>) => {
      builds++;
      return build(...args);
    });
    const pages: Array<[number, number]> = [[ 1, 2000 ], [ 2, 700 ], [ 3, 7 ]];
    const check = async (round: string) => {
      for (const [ page, limit ] of pages) {
        const path = `/api/chat/goodfriendlist/${page}?limit=${limit}`;
        for (let twice = 0; twice < 2; twice++) {
          const res = await get(path, me.token);
          assert.equal(res.status, 200);
          assert.match(String(res.headers['content-type']), /^application\/json; charset=utf-8$/);
          assert.equal(res.text, await expected(me.id, page, limit), `${round}: page ${page}, limit ${limit}`);
        }
      }
    };

    await check('start');
    // The second request of each page was served from its version.
    assert.equal(builds, pages.length);

    const mine = (friend: number) => friendIds.includes(friend);
    const changes: Array<() => Promise<string>> = [
      async () => {
        const id = pick(friendIds);
        await execute('UPDATE goodfriend SET nickname = :n WHERE user_id = :me AND friend_id = :id', { n: name(), me: me.id, id });
        return `remark of ${id} by SQL`;
      },
      ...userChanges(random, name, active, quiet, () => friendIds),
      async () => {
        const id = pick(quiet).id;
        await execute('UPDATE `user` SET nickname = :n WHERE id = :id', { n: name(), id });
        return `nickname of ${id} by SQL`;
      },
      async () => {
        const friend: Member = pick(active);
        // Blacklisting keeps the friend listed; the friend blacklisting me changes nothing of mine.
        const [ by, of ] = random() < 0.5 ? [ me, friend.id ] : [ friend, me.id ];
        const res = await post(`/api/chat/setblackgoodfriend/${of}`, by.token, {});
        assert.ok([ 200, 404 ].includes(res.status), res.text);
        return `blacklist flip ${by.id} -> ${of}`;
      },
      async () => {
        const id = pick(friendIds);
        const res = await post(`/api/chat/deletegoodfriend/${id}`, me.token, {});
        assert.ok([ 200, 404 ].includes(res.status), res.text);
        return `deletegoodfriend ${id} by me`;
      },
      async () => {
        const friend = pick(active);
        const res = await post(`/api/chat/deletegoodfriend/${me.id}`, friend.token, {});
        assert.ok([ 200, 404 ].includes(res.status), res.text);
        return `deletegoodfriend me by ${friend.id}`;
      },
      async () => {
        const id = pick(friendIds);
        const [ row ] = await query('SELECT id FROM goodfriend WHERE user_id = :me AND friend_id = :id', { me: me.id, id });
        if (!row && mine(id)) await befriendBySql(me.id, [ id ], { nickname: name() });
        return `befriended ${id} again`;
      },
      async () => {
        const [ fresh ] = await plainUsers([{ username: `new${Math.floor(random() * 1e9)}`, nickname: name() }]);
        friendIds.push(fresh.id);
        await befriendBySql(me.id, [ fresh.id ]);
        return `new friend ${fresh.id}`;
      },
    ];

    await randomRounds(random, 14, changes, check);
  });

  it('a change made between two requests is on the second; a login and flags the list does not show keep the version', async () => {
    const [ me, friend ] = await members([ 'owner0001', { username: 'friend001', nickname: 'Before' }]);
    await befriendBySql(me.id, [ friend.id ]);
    const names = async () => JSON.parse((await get('/api/chat/goodfriendlist/1', me.token)).text).data.rows.newList
      .flatMap((group: { list: Array<{ name: string }> }) => group.list.map(item => item.name));
    assert.deepEqual(await names(), [ 'Before' ]);
    await execute('UPDATE `user` SET nickname = :n WHERE id = :id', { n: 'After', id: friend.id });
    assert.deepEqual(await names(), [ 'After' ]);
    await execute('UPDATE goodfriend SET nickname = :n WHERE user_id = :me', { n: 'Remark', me: me.id });
    assert.deepEqual(await names(), [ 'Remark' ]);
    // A login (last_login) and flags that the list does not show leave the version alone.
    const [{ version }] = await query<{ version: string }>('SELECT version FROM friend_list_version WHERE user_id = :me', { me: me.id });
    await execute('UPDATE `user` SET last_login = NOW(3) WHERE id = :id', { id: friend.id });
    await execute('UPDATE goodfriend SET ismystarfriend = 1, isblack = 1 WHERE user_id = :me', { me: me.id });
    const [ after ] = await query<{ version: string }>('SELECT version FROM friend_list_version WHERE user_id = :me', { me: me.id });
    assert.equal(String(after.version), String(version));
  });
});
