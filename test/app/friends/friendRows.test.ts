import { strict as assert } from 'node:assert';
import { assertFail, assertOk } from '../../helpers';
import {
  apply, applicationRow, befriendByApi, befriendBySql, EMPTY_USER_INFO, execute, FRIEND_ROW_KEYS, friendRow, FriendDbRow, get, Member,
  members, pairRowCount, post, query, setStanding, USER_INFO_KEYS,
} from './support';

const ID_RULE = 'id 应为 1-4294967295 之间的整数';

async function friendsPair(row: Partial<FriendDbRow> = {}) {
  const [ me, a ] = await members([ 'me000001', { username: 'alice01', nickname: '爱丽丝' }]);
  await befriendBySql(me.id, [ a.id ], row);
  return { me, a };
}

const flags = async (owner: Member, friend: Member) => {
  const row = (await friendRow(owner.id, friend.id))!;
  return { isblack: row.isblack, ismystarfriend: row.ismystarfriend, friendlookme: row.friendlookme, melookfriend: row.melookfriend };
};

describe('GET /api/chat/getgoodfriendinfo/:id', () => {
  const info = (me: Member, id: number | string) => get(`/api/chat/getgoodfriendinfo/${id}`, me.token);

  it('my row and the friend\'s profile, keys in order; no user_info row reads as defaults', async () => {
    const { me, a } = await friendsPair({ nickname: 'Al' });
    const data = assertOk(await info(me, a.id));
    assert.deepEqual(Object.keys(data), [ 'id', 'user_id', 'friend_id', 'nickname', 'friendinfo' ]);
    assert.deepEqual(Object.keys(data.friendinfo), [ 'id', 'username', 'avatar', 'nickname', 'role', 'status', 'userinfo' ]);
    assert.deepEqual(Object.keys(data.friendinfo.userinfo), USER_INFO_KEYS);
    assert.deepEqual(data, {
      id: (await friendRow(me.id, a.id))!.id, user_id: me.id, friend_id: a.id, nickname: 'Al',
      friendinfo: { id: a.id, username: 'alice01', avatar: a.avatar, nickname: '爱丽丝', role: 'user', status: 1, userinfo: EMPTY_USER_INFO },
    });
  });

  it('with a user_info row: its id, gender, birthday as YYYY-MM-DD and texts', async () => {
    const { me, a } = await friendsPair();
    await execute(`INSERT INTO user_info (user_id, gender, birthday, bio, location, website, create_time, update_time)
      VALUES (:a, 'female', '1999-02-03', 'hi', '杭州', 'https://example.com', NOW(3), NOW(3))`, { a: a.id });
    const [{ id }] = await query<{ id: number }>('SELECT id FROM user_info WHERE user_id = :a', { a: a.id });
    assert.deepEqual(assertOk(await info(me, a.id)).friendinfo.userinfo,
      { id, gender: 'female', birthday: '1999-02-03', bio: 'hi', location: '杭州', website: 'https://example.com' });
  });

  it('shows a friend I blacklisted (and one who blacklisted me)', async () => {
    const { me, a } = await friendsPair({ isblack: 1 });
    assert.equal(assertOk(await info(me, a.id)).friend_id, a.id);
    await execute('UPDATE goodfriend SET isblack = 1 WHERE user_id = :a', { a: a.id });
    assert.equal(assertOk(await info(a, me.id)).friend_id, me.id);
  });

  it('404 好友不存在 without my row, for a gone friend, for myself', async () => {
    const { me, a } = await friendsPair();
    const [ b ] = await members([ 'bob0001' ]);
    await execute('INSERT INTO goodfriend (user_id, friend_id, create_time, update_time) VALUES (:b, :me, NOW(3), NOW(3))', { b: b.id, me: me.id });
    assertFail(await info(me, b.id), 404, '好友不存在');
    assertFail(await info(me, me.id), 404, '好友不存在');
    assertFail(await info(me, 999999), 404, '好友不存在');
    await setStanding(a.id, { status: 0 });
    assertFail(await info(me, a.id), 404, '好友不存在');
  });

  for (const id of [ '0', 'abc', '-1', '01', '4294967296' ]) {
    it(`422 for :id ${id}`, async () => {
      const { me } = await friendsPair();
      assertFail(await info(me, id), 422, ID_RULE);
    });
  }
});

describe('POST /api/chat/setblackgoodfriend/:id', () => {
  const black = (me: Member, id: number | string, body: Record<string, unknown> | string = {}) =>
    post(`/api/chat/setblackgoodfriend/${id}`, me.token, body);

  it('absent isblack flips my row; 0/1 set it (form or JSON, idempotent); the friend\'s row never changes', async () => {
    const { me, a } = await friendsPair();
    assert.equal(assertOk(await black(me, a.id)), 'ok');
    assert.equal((await flags(me, a)).isblack, 1);
    assertOk(await black(me, a.id, { isblack: '' }));
    assert.equal((await flags(me, a)).isblack, 0);
    for (const [ body, expected ] of [[{ isblack: 1 }, 1 ], [ 'isblack=1', 1 ], [{ isblack: '0' }, 0 ], [{ isblack: 0 }, 0 ], [{ isblack: null }, 1 ]] as const) {
      assertOk(await black(me, a.id, body));
      assert.equal((await flags(me, a)).isblack, expected, JSON.stringify(body));
    }
    assert.deepEqual(await flags(a, me), { isblack: 0, ismystarfriend: 0, friendlookme: 1, melookfriend: 1 });
  });

  it('404 好友不存在 for a missing user, myself or a gone friend (a stranger may be blocked: block.test.ts)', async () => {
    const { me, a } = await friendsPair();
    assertFail(await black(me, 999999), 404, '好友不存在');
    assertFail(await black(me, me.id, { isblack: 1 }), 404, '好友不存在');
    await setStanding(a.id, { is_deleted: 1 });
    assertFail(await black(me, a.id, { isblack: 1 }), 404, '好友不存在');
    assert.equal((await flags(me, a)).isblack, 0);
  });

  for (const value of [ 2, -1, '2', 'yes', true, [ 1 ], '01' ]) {
    it(`422 for isblack ${JSON.stringify(value)}`, async () => {
      const { me, a } = await friendsPair();
      assertFail(await black(me, a.id, { isblack: value }), 422, 'isblack 应为 0-1 之间的整数');
    });
  }

  it('422 for a bad :id first', async () => {
    const { me } = await friendsPair();
    assertFail(await black(me, 'x', { isblack: 5 }), 422, ID_RULE);
  });
});

describe('POST /api/chat/setstargoodfriend/:id and /api/chat/setmeOrfriendCanSee/:id', () => {
  const UNAVAILABLE = '好友不存在或者被拉黑，无法操作';
  const star = (me: Member, id: number | string, body: Record<string, unknown> = {}) => post(`/api/chat/setstargoodfriend/${id}`, me.token, body);
  const see = (me: Member, id: number | string, body: Record<string, unknown>) => post(`/api/chat/setmeOrfriendCanSee/${id}`, me.token, body);

  it('star: absent flips, 0/1 set; only my row', async () => {
    const { me, a } = await friendsPair();
    assert.equal(assertOk(await star(me, a.id)), 'ok');
    assert.equal((await flags(me, a)).ismystarfriend, 1);
    assertOk(await star(me, a.id));
    assert.equal((await flags(me, a)).ismystarfriend, 0);
    assertOk(await star(me, a.id, { ismystarfriend: 1 }));
    assertOk(await star(me, a.id, { ismystarfriend: '1' }));
    assert.equal((await flags(me, a)).ismystarfriend, 1);
    assert.equal((await flags(a, me)).ismystarfriend, 0);
  });

  it('visibility: stores both flags of my row', async () => {
    const { me, a } = await friendsPair();
    assert.equal(assertOk(await see(me, a.id, { friendlookme: 0, melookfriend: '1' })), 'ok');
    assert.deepEqual(await flags(me, a), { isblack: 0, ismystarfriend: 0, friendlookme: 0, melookfriend: 1 });
    assertOk(await see(me, a.id, { friendlookme: '1', melookfriend: 0 }));
    assertOk(await see(me, a.id, { friendlookme: '1', melookfriend: 0 }));
    assert.deepEqual(await flags(me, a), { isblack: 0, ismystarfriend: 0, friendlookme: 1, melookfriend: 0 });
    assert.deepEqual(await flags(a, me), { isblack: 0, ismystarfriend: 0, friendlookme: 1, melookfriend: 1 });
  });

  it('404 without my row or for a gone friend; 409 when I blacklisted the friend (not when they blacklisted me)', async () => {
    const { me, a } = await friendsPair();
    const [ b ] = await members([ 'bob0001' ]);
    for (const call of [ () => star(me, b.id), () => see(me, b.id, { friendlookme: 0, melookfriend: 0 }) ]) assertFail(await call(), 404, UNAVAILABLE);
    await execute('UPDATE goodfriend SET isblack = 1 WHERE user_id = :a', { a: a.id });
    assertOk(await star(me, a.id, { ismystarfriend: 1 }));
    await execute('UPDATE goodfriend SET isblack = 1 WHERE user_id = :me', { me: me.id });
    for (const call of [ () => star(me, a.id), () => star(me, a.id, { ismystarfriend: 1 }), () => see(me, a.id, { friendlookme: 0, melookfriend: 0 }) ]) {
      assertFail(await call(), 409, UNAVAILABLE);
    }
    await setStanding(a.id, { status: 0 });
    assertFail(await star(me, a.id), 404, UNAVAILABLE);
    assertFail(await see(me, a.id, { friendlookme: 1, melookfriend: 1 }), 404, UNAVAILABLE);
    assert.deepEqual(await flags(me, a), { isblack: 1, ismystarfriend: 1, friendlookme: 1, melookfriend: 1 });
  });

  const invalid: Array<[string, Record<string, unknown>, string]> = [
    [ 'friendlookme missing', { melookfriend: 1 }, 'friendlookme 不能为空' ],
    [ 'melookfriend missing', { friendlookme: 1 }, 'melookfriend 不能为空' ],
    [ 'friendlookme ""', { friendlookme: '', melookfriend: 1 }, 'friendlookme 不能为空' ],
    [ 'friendlookme 2 (before melookfriend)', { friendlookme: 2, melookfriend: 'x' }, 'friendlookme 应为 0-1 之间的整数' ],
    [ 'melookfriend true', { friendlookme: 1, melookfriend: true }, 'melookfriend 应为 0-1 之间的整数' ],
  ];
  for (const [ title, body, reason ] of invalid) {
    it(`visibility 422: ${title}`, async () => {
      const { me, a } = await friendsPair();
      assertFail(await see(me, a.id, body), 422, reason);
    });
  }

  it('star 422 for ismystarfriend 3', async () => {
    const { me, a } = await friendsPair();
    assertFail(await star(me, a.id, { ismystarfriend: 3 }), 422, 'ismystarfriend 应为 0-1 之间的整数');
  });
});

describe('POST /api/chat/ismygoodfriend/:id', () => {
  const mine = (me: Member, id: number | string) => post(`/api/chat/ismygoodfriend/${id}`, me.token);

  it('answers my row with exactly the FriendRow keys', async () => {
    const { me, a } = await friendsPair({ nickname: 'Al', ismystarfriend: 1, friendlookme: 0 });
    const data = assertOk(await mine(me, a.id));
    assert.deepEqual(Object.keys(data), FRIEND_ROW_KEYS);
    assert.deepEqual(data, {
      id: (await friendRow(me.id, a.id))!.id, user_id: me.id, friend_id: a.id, nickname: 'Al',
      friendlookme: 0, melookfriend: 1, ismystarfriend: 1, isblack: 0, status: 1,
    });
  });

  it('404 不是好友 without my row, when I blacklisted the friend, for a gone friend; 200 when they blacklisted me', async () => {
    const { me, a } = await friendsPair();
    const [ b, c ] = await members([ 'bob0001', 'carol01' ]);
    await befriendBySql(me.id, [ c.id ]);
    assertFail(await mine(me, b.id), 404, '不是好友');
    await execute('UPDATE goodfriend SET isblack = 1 WHERE user_id = :a', { a: a.id });
    assert.equal(assertOk(await mine(me, a.id)).friend_id, a.id);
    assertFail(await mine(a, me.id), 404, '不是好友');
    await setStanding(c.id, { status: 0 });
    assertFail(await mine(me, c.id), 404, '不是好友');
  });

  it('visitors may ask', async () => {
    const [ visitor, a ] = await members([{ username: 'VISitor01', role: 'visitor' }, 'alice01' ]);
    await befriendBySql(visitor.id, [ a.id ]);
    assert.equal(assertOk(await mine(visitor, a.id)).user_id, visitor.id);
  });
});

describe('POST /api/chat/deletegoodfriend/:id', () => {
  const remove = (me: Member, id: number | string) => post(`/api/chat/deletegoodfriend/${id}`, me.token);
  const NOT_FRIENDS = '不是好友关系，无权操作';

  it('deletes both rows and both directions\' applications; then either may apply again', async () => {
    const [ me, a, b ] = await members([ 'me000001', 'alice01', 'bob0001' ]);
    await befriendByApi(a, me);
    await befriendByApi(me, b);
    assert.equal(assertOk(await remove(me, a.id)), '删除好友成功');
    assert.equal(await pairRowCount(me.id, a.id), 0);
    assert.equal(await applicationRow(a.id, me.id), undefined);
    assert.equal(await pairRowCount(me.id, b.id), 2, 'other friendships untouched');
    assert.ok(await applicationRow(me.id, b.id));
    assertOk(await apply(me, a.id));
  });

  it('ends a blacklist, whoever deletes; ignores gone friends', async () => {
    const [ me, a, b ] = await members([ 'me000001', 'alice01', 'bob0001' ]);
    await befriendBySql(me.id, [ a.id ], { isblack: 1 });
    await befriendBySql(me.id, [ b.id ]);
    assertOk(await remove(a, me.id));
    assert.equal(await pairRowCount(me.id, a.id), 0);
    await setStanding(b.id, { status: 0, is_deleted: 1 });
    assertOk(await remove(me, b.id));
    assert.equal(await pairRowCount(me.id, b.id), 0);
  });

  it('404 不是好友关系，无权操作 without my row (even if theirs exists), twice, for myself', async () => {
    const [ me, a, b ] = await members([ 'me000001', 'alice01', 'bob0001' ]);
    await befriendBySql(me.id, [ a.id ]);
    await execute('INSERT INTO goodfriend (user_id, friend_id, create_time, update_time) VALUES (:b, :me, NOW(3), NOW(3))', { b: b.id, me: me.id });
    assertFail(await remove(me, b.id), 404, NOT_FRIENDS);
    assert.equal(await pairRowCount(me.id, b.id), 1);
    assertOk(await remove(me, a.id));
    assertFail(await remove(me, a.id), 404, NOT_FRIENDS);
    assertFail(await remove(me, me.id), 404, NOT_FRIENDS);
    assertFail(await remove(me, 999999), 404, NOT_FRIENDS);
  });

  it('visitors may delete; 422 for a bad :id', async () => {
    const [ visitor, a ] = await members([{ username: 'VISitor01', role: 'visitor' }, 'alice01' ]);
    await befriendBySql(visitor.id, [ a.id ]);
    assertFail(await remove(visitor, '1.0'), 422, ID_RULE);
    assertOk(await remove(visitor, a.id));
  });
});
