import { strict as assert } from 'node:assert';
import { assertFail, assertOk } from '../../helpers';
import { befriendBySql, execute, get, Member, member, members, plainUsers, query, setStanding } from './support';

const ITEM_KEYS = [ 'id', 'beizhu', 'username', 'avatar', 'friend_nickname', 'friend_id', 'name', 'uuid' ];

const list = (user: Member, path = '') => get(`/api/chat/goodfriendlist${path}`, user.token);

interface Listed {
  count: number;
  rows: { newList: Array<{ title: string; list: Array<{ name: string; friend_id: number }> }>; indexList: string[]; total: number };
}

/** The groups as `title: name, name` lines. */
const shown = (data: Listed) => data.rows.newList.map(group => `${group.title}: ${group.list.map(item => item.name).join(', ')}`);

/** Me and friends with the given nicknames (usernames f000, f001, ... in that order, so friend_id ascending). */
async function meWithFriends(nicknames: string[]) {
  const me = await member('me000001');
  const friends = await members(nicknames.map((nickname, i) => ({ username: `f${String(i).padStart(3, '0')}`, nickname })));
  await befriendBySql(me.id, friends.map(f => f.id));
  return { me, friends };
}

describe('GET /api/chat/goodfriendlist/:page?limit=', () => {
  it('an empty list still has the rows object', async () => {
    const me = await member('me000001');
    assert.deepEqual(assertOk(await list(me)), { count: 0, rows: { newList: [], indexList: [], total: 0 } });
  });

  it('items have exactly the documented keys; name = remark || nickname || username', async () => {
    const me = await member('me000001');
    const [ a, b, c ] = await members([{ username: 'alice01', nickname: 'Ally' }, { username: 'bob0001', nickname: 'Bobby' }, 'carol01' ]);
    await befriendBySql(me.id, [ a.id ], { nickname: 'Auntie' });
    await befriendBySql(me.id, [ b.id, c.id ]);
    const data = assertOk(await list(me));
    assert.deepEqual(Object.keys(data), [ 'count', 'rows' ]);
    assert.deepEqual(Object.keys(data.rows), [ 'newList', 'indexList', 'total' ]);
    const items = data.rows.newList.flatMap((group: { list: object[] }) => group.list);
    for (const item of items) assert.deepEqual(Object.keys(item), ITEM_KEYS);
    const [ rowA ] = await query<{ id: number }>('SELECT id FROM goodfriend WHERE user_id = :me AND friend_id = :a', { me: me.id, a: a.id });
    assert.deepEqual(items[0], {
      id: rowA.id, beizhu: 'Auntie', username: 'alice01', avatar: a.avatar, friend_nickname: 'Ally', friend_id: a.id, name: 'Auntie', uuid: a.uuid,
    });
    assert.deepEqual(shown(data), [ 'A: Auntie', 'B: Bobby', 'C: carol01' ]);
  });

  it('groups by the first character: Latin letters uppercased, Chinese by pinyin initial, everything else #; A-Z then #', async () => {
    const { me } = await meWithFriends([ '张三', 'bob', '李四', '9lives', '😀smile', 'Émile', '阿明', '_under', 'Ｚeta', '王五', '(x)', '' ]);
    const data: Listed = assertOk(await list(me));
    // The empty nickname shows the username (f011).
    assert.deepEqual(data.rows.indexList, [ 'A', 'B', 'E', 'F', 'L', 'W', 'Z', '#' ]);
    assert.equal(data.rows.total, 8);
    assert.equal(data.count, 12);
    assert.deepEqual(shown(data), [
      'A: 阿明', 'B: bob', 'E: Émile', 'F: f011', 'L: 李四', 'W: 王五', 'Z: 张三, Ｚeta',
      // The collator's (CLDR) order: punctuation (_ before parentheses), symbols, digits.
      '#: _under, (x), 😀smile, 9lives',
    ]);
  });

  it('inside a group: one zh-CN collator for Chinese and Latin names alike (pinyin order), ties by friend_id', async () => {
    const { me, friends } = await meWithFriends([ 'zoe', '赵六', 'Zed', '张三', '周七', 'zed', '张三', '钟八' ]);
    const data: Listed = assertOk(await list(me));
    const [ z ] = data.rows.newList;
    assert.equal(z.title, 'Z');
    // 张 zhang < 赵 zhao < 钟 zhong < 周 zhou, Chinese before Latin in zh-CN; zed/Zed differ only in case.
    assert.deepEqual(z.list.map(item => item.name), [ '张三', '张三', '赵六', '钟八', '周七', 'zed', 'Zed', 'zoe' ]);
    const twins = z.list.filter(item => item.name === '张三').map(item => item.friend_id);
    assert.deepEqual(twins, [ friends[3].id, friends[6].id ]);
  });

  it('pages by friend_id (then groups the page); count is every listed friend', async () => {
    const { me, friends } = await meWithFriends([ 'd', 'c', 'b', 'a', 'e' ]);
    const page1: Listed = assertOk(await list(me, '/1?limit=2'));
    assert.deepEqual(shown(page1), [ 'C: c', 'D: d' ]);
    assert.equal(page1.count, 5);
    assert.deepEqual(shown(assertOk(await list(me, '/2?limit=2'))), [ 'A: a', 'B: b' ]);
    const last: Listed = assertOk(await list(me, '/3?limit=2'));
    assert.deepEqual(shown(last), [ 'E: e' ]);
    assert.equal(last.count, 5, 'the count told by a last page');
    assert.deepEqual(assertOk(await list(me, '/4?limit=2')), { count: 5, rows: { newList: [], indexList: [], total: 0 } });
    assert.deepEqual(shown(assertOk(await list(me, '?limit=2000'))), [ 'A: a', 'B: b', 'C: c', 'D: d', 'E: e' ]);
    await setStanding(friends[0].id, { status: 0 });
    assert.equal((assertOk(await list(me, '/2?limit=2')) as Listed).count, 4, 'a full page counts by query');
    assert.equal((assertOk(await list(me, '/2?limit=3')) as Listed).count, 4, 'a partial page counts itself');
  });

  it('lists blacklisted and starred friends, leaves out gone ones (also from count) until they are back', async () => {
    const me = await member('me000001');
    const [ a, b, c, d ] = await members([ 'alice01', 'bob0001', 'carol01', 'dave001' ]);
    await befriendBySql(me.id, [ a.id ], { isblack: 1 });
    await befriendBySql(me.id, [ b.id ], { ismystarfriend: 1 });
    await befriendBySql(me.id, [ c.id, d.id ]);
    await setStanding(c.id, { status: 0 });
    await setStanding(d.id, { is_deleted: 1 });
    let data: Listed = assertOk(await list(me));
    assert.deepEqual(shown(data), [ 'A: alice01', 'B: bob0001' ]);
    assert.equal(data.count, 2);
    await setStanding(c.id, { status: 1 });
    data = assertOk(await list(me));
    assert.deepEqual(shown(data), [ 'A: alice01', 'B: bob0001', 'C: carol01' ]);
    assert.equal(data.count, 3);
  });

  it('only my own rows', async () => {
    const [ me, a, b ] = await members([ 'me000001', 'alice01', 'bob0001' ]);
    await befriendBySql(a.id, [ b.id ]);
    await execute('INSERT INTO goodfriend (user_id, friend_id, create_time, update_time) VALUES (:b, :me, NOW(3), NOW(3))', { b: b.id, me: me.id });
    assert.equal(assertOk(await list(me)).count, 0);
  });

  it('2,000 per page by default, limit up to 2000', async () => {
    const me = await member('me000001');
    const friends = await plainUsers(Array.from({ length: 2001 }, (_, i) => `bulk${String(i).padStart(5, '0')}`));
    await befriendBySql(me.id, friends.map(f => f.id));
    const data: Listed = assertOk(await list(me));
    assert.equal(data.count, 2001);
    assert.equal(data.rows.newList.reduce((n, group) => n + group.list.length, 0), 2000);
    assert.deepEqual(data.rows.indexList, [ 'B' ]);
    assert.equal(assertOk(await list(me, '/2')).rows.newList[0].list[0].name, 'bulk02000');
    assert.equal(assertOk(await list(me, '/1?limit=2000')).rows.newList[0].list.length, 2000);
  });

  const invalid: Array<[string, string]> = [
    ...[ '0', '100001', 'x', '01' ].map(p => [ `/${p}`, 'page 应为 1-100000 之间的整数' ] as [string, string]),
    ...[ '0', '2001', 'abc', '-1' ].map(l => [ `?limit=${l}`, 'limit 应为 1-2000 之间的整数' ] as [string, string]),
  ];
  for (const [ path, reason ] of invalid) {
    it(`422 for ${path}`, async () => {
      const me = await member('me000001');
      assertFail(await list(me, path), 422, reason);
    });
  }
});
