import { strict as assert } from 'node:assert';
import { app } from 'egg-mock/bootstrap';
import { assertFail, assertOk } from '../../helpers';
import {
  APPLICATION_KEYS, apply, applicationRow, befriendBySql, EMPTY_USER_INFO, execute, get, handle, Member, member, members, post, query,
  setStanding, USER_INFO_KEYS,
} from './support';

const CANONICAL = '{"chatset":{"visitor":{"sendCount":0,"needFollow":false},"user":{"sendCount":2,"needFollow":true}}}';
const storedUser = async (id: number) =>
  (await query<{ userset: string; nickname: string; avatar: string; invite_confirm: number }>(
    'SELECT userset, nickname, avatar, invite_confirm FROM `user` WHERE id = :id', { id }))[0];

describe('GET /api/userinfo/:uuid (public)', () => {
  const info = (uuid: string) => get(`/api/userinfo/${uuid}`);

  it('needs no token; keys in order; userinfo defaults; userset "" until set', async () => {
    const a = await member({ username: 'alice01', nickname: '爱丽丝' });
    const data = assertOk(await info(a.uuid));
    assert.deepEqual(Object.keys(data), [ 'id', 'uuid', 'username', 'nickname', 'avatar', 'role', 'userinfo', 'userset' ]);
    assert.deepEqual(Object.keys(data.userinfo), USER_INFO_KEYS);
    assert.deepEqual(data, {
      id: a.id, uuid: a.uuid, username: 'alice01', nickname: '爱丽丝', avatar: a.avatar, role: 'user', userinfo: EMPTY_USER_INFO, userset: '',
    });
  });

  it('any letter case of the uuid; visitors shown; the stored canonical userset; a user_info row', async () => {
    const [ a, visitor ] = await members([ 'alice01', { username: 'VISitor01', role: 'visitor' }]);
    assertOk(await post('/api/chat/userset', a.token, { userset: '{"chatset":{"user":{"needFollow":true,"sendCount":2},"visitor":0}}' }));
    await execute('INSERT INTO user_info (user_id, gender, birthday, create_time, update_time) VALUES (:a, \'male\', \'2000-01-31\', NOW(3), NOW(3))', { a: a.id });
    const data = assertOk(await info(a.uuid.toUpperCase()));
    assert.equal(data.userset, CANONICAL);
    assert.equal(data.uuid, a.uuid);
    assert.deepEqual({ ...data.userinfo, id: typeof data.userinfo.id }, { id: 'number', gender: 'male', birthday: '2000-01-31', bio: null, location: null, website: null });
    assert.equal(assertOk(await info(visitor.uuid)).role, 'visitor');
  });

  it('404 用户不存在 for an unknown uuid or a gone user (back when re-enabled)', async () => {
    const [ a, b ] = await members([ 'alice01', 'bob0001' ]);
    assertFail(await info('00000000-0000-4000-8000-000000000000'), 404, '用户不存在');
    await setStanding(a.id, { status: 0 });
    await setStanding(b.id, { is_deleted: 1 });
    assertFail(await info(a.uuid), 404, '用户不存在');
    assertFail(await info(b.uuid), 404, '用户不存在');
    await setStanding(a.id, { status: 1 });
    assertOk(await info(a.uuid));
  });

  for (const bad of [ 'abc', '00000000-0000-4000-8000-00000000000', '00000000000040008000000000000000', '00000000-0000-4000-8000-00000000000g',
    '{00000000-0000-4000-8000-000000000000}', '%2000000000-0000-4000-8000-000000000000', '1' ]) {
    it(`422 uuid 格式不正确 for "${bad}"`, async () => {
      assertFail(await info(bad), 422, 'uuid 格式不正确');
    });
  }
});

describe('POST /api/chat/isApplyfriend/:uuid', () => {
  const check = (me: Member, uuid: string) => post(`/api/chat/isApplyfriend/${uuid}`, me.token);

  it('the pending application from that user to me, as an Application', async () => {
    const [ me, a ] = await members([ 'me000001', 'alice01' ]);
    assertOk(await apply(a, me.id, { nickname: 'hi there' }));
    const data = assertOk(await check(me, a.uuid.toUpperCase()));
    assert.deepEqual(Object.keys(data), APPLICATION_KEYS);
    assert.deepEqual(data, {
      id: (await applicationRow(a.id, me.id))!.id, user_id: a.id, friend_id: me.id, nickname: 'hi there',
      friendlookme: 1, melookfriend: 1, ismystarfriend: 0, isblack: 0, status: 'pending', userId: a.id,
    });
  });

  it('404 用户申请信息不存在 when none is pending from him (handled, mine to him, none, myself)', async () => {
    const [ me, a, b, c ] = await members([ 'me000001', 'alice01', 'bob0001', 'carol01' ]);
    assertOk(await apply(a, me.id));
    assertOk(await handle(me, (await applicationRow(a.id, me.id))!.id, 'refuse'));
    assertOk(await apply(me, b.id));
    for (const user of [ a, b, c, me ]) assertFail(await check(me, user.uuid), 404, '用户申请信息不存在');
  });

  it('404 用户不存在 for an unknown or gone user; 422 for a malformed uuid', async () => {
    const [ me, a ] = await members([ 'me000001', 'alice01' ]);
    assertOk(await apply(a, me.id));
    await setStanding(a.id, { status: 0 });
    assertFail(await check(me, a.uuid), 404, '用户不存在');
    assertFail(await check(me, '00000000-0000-4000-8000-000000000000'), 404, '用户不存在');
    assertFail(await check(me, 'not-a-uuid'), 422, 'uuid 格式不正确');
  });
});

describe('POST /api/chat/userset', () => {
  const set = (me: Member, body: Record<string, unknown> | string) => post('/api/chat/userset', me.token, body);

  it('stores the settings re-serialised canonically, form or JSON; bare 0-2 (older clients) become objects', async () => {
    const me = await member('me000001');
    assert.equal(assertOk(await set(me, { userset: ' {"chatset": {"user": {"needFollow": true, "sendCount": 2}, "visitor": {"sendCount": 0, "needFollow": false}}} ' })), 'ok');
    assert.equal((await storedUser(me.id)).userset, CANONICAL);
    assertOk(await set(me, `userset=${encodeURIComponent('{"chatset":{"visitor":1,"user":2}}')}`));
    assert.equal((await storedUser(me.id)).userset,
      '{"chatset":{"visitor":{"sendCount":1,"needFollow":false},"user":{"sendCount":2,"needFollow":false}}}');
  });

  it('visitors may set theirs', async () => {
    const visitor = await member({ username: 'VISitor01', role: 'visitor' });
    assertOk(await set(visitor, { userset: '{"chatset":{"visitor":0,"user":0}}' }));
  });

  const FORMAT = 'userset 格式不正确';
  const invalid: Array<[string, unknown, string]> = [
    [ 'missing', undefined, 'userset 不能为空' ],
    [ '""', '', 'userset 不能为空' ],
    [ 'null', null, 'userset 不能为空' ],
    [ 'a JSON object instead of a string', { chatset: { visitor: 0, user: 0 } }, 'userset 必须是字符串' ],
    [ 'a number', 5, 'userset 必须是字符串' ],
    [ 'one character', '{', 'userset 长度应为 2-1000 位' ],
    [ '1001 characters', `{"chatset":{"visitor":0,"user":0}}${' '.repeat(1001 - 34)}`, 'userset 长度应为 2-1000 位' ],
    [ 'a tab', '{"chatset":\t{"visitor":0,"user":0}}', 'userset 不能包含控制字符' ],
    [ 'a line break', '{"chatset":\n{"visitor":0,"user":0}}', FORMAT ],
    [ 'not JSON', 'hello', FORMAT ],
    [ '{}', '{}', FORMAT ],
    [ 'an extra key', '{"chatset":{"visitor":0,"user":0},"x":1}', FORMAT ],
    [ 'sendCount 3', '{"chatset":{"visitor":3,"user":0}}', FORMAT ],
    [ 'needFollow not boolean', '{"chatset":{"visitor":{"sendCount":1,"needFollow":1},"user":0}}', FORMAT ],
    [ 'a missing role', '{"chatset":{"visitor":0}}', FORMAT ],
  ];
  for (const [ title, value, reason ] of invalid) {
    it(`422 for ${title}`, async () => {
      const me = await member('me000001');
      assertFail(await set(me, value === undefined ? {} : { userset: value }), 422, reason);
      assert.equal((await storedUser(me.id)).userset, '');
    });
  }

  it('accepts exactly 1000 characters', async () => {
    const me = await member('me000001');
    const text = `{"chatset":{"visitor":0,"user":0}}${' '.repeat(1000 - 34)}`;
    assertOk(await set(me, { userset: text }));
    assert.equal((await storedUser(me.id)).userset, '{"chatset":{"visitor":{"sendCount":0,"needFollow":false},"user":{"sendCount":0,"needFollow":false}}}');
  });
});

describe('POST /api/chat/updateUserinfo', () => {
  const update = (me: Member, body: Record<string, unknown> | string) => post('/api/chat/updateUserinfo', me.token, body);

  it('nickname: trimmed, up to 30 characters', async () => {
    const me = await member('me000001');
    assert.equal(assertOk(await update(me, { fieldname: 'nickname', fieldValue: '  小明 ' })), '修改昵称成功');
    assert.equal((await storedUser(me.id)).nickname, '小明');
    assertOk(await update(me, { fieldname: 'nickname', fieldValue: '😀'.repeat(30) }));
    assert.equal((await storedUser(me.id)).nickname, '😀'.repeat(30));
  });

  it('avatar: http(s) URLs and paths, up to 1000 characters', async () => {
    const me = await member('me000001');
    for (const avatar of [ 'https://cdn.example.com/a.png', 'HTTP://example.com', '/uploads/a.png', '/', `https://e.com/${'a'.repeat(1000 - 14)}` ]) {
      assert.equal(assertOk(await update(me, { fieldname: 'avatar', fieldValue: ` ${avatar} ` })), '头像更新成功');
      assert.equal((await storedUser(me.id)).avatar, avatar);
    }
  });

  it('invite_confirm: 0 or 1, as a string or a JSON number', async () => {
    const me = await member('me000001');
    assert.equal((await storedUser(me.id)).invite_confirm, 1, 'defaults to 1');
    assert.equal(assertOk(await update(me, { fieldname: 'invite_confirm', fieldValue: 0 })), '设置成功');
    assert.equal((await storedUser(me.id)).invite_confirm, 0);
    assertOk(await update(me, 'fieldname=invite_confirm&fieldValue=1'));
    assert.equal((await storedUser(me.id)).invite_confirm, 1);
    assertOk(await update(me, { fieldname: 'invite_confirm', fieldValue: '0' }));
    assert.equal((await storedUser(me.id)).invite_confirm, 0);
  });

  it('does not change the login user object\'s shape; visitors may update their own', async () => {
    const visitor = await member({ username: 'VISitor01', role: 'visitor' });
    assertOk(await update(visitor, { fieldname: 'nickname', fieldValue: '游客' }));
    assert.equal((await storedUser(visitor.id)).nickname, '游客');
  });

  const invalid: Array<[string, Record<string, unknown>, string]> = [
    [ 'fieldname missing', { fieldValue: 'x' }, 'fieldname 不能为空' ],
    [ 'fieldname ""', { fieldname: '', fieldValue: 'x' }, 'fieldname 不能为空' ],
    [ 'fieldname username', { fieldname: 'username', fieldValue: 'newname' }, '账号不可修改' ],
    [ 'fieldname username, fieldValue missing', { fieldname: 'username' }, '账号不可修改' ],
    [ 'fieldname password', { fieldname: 'password', fieldValue: 'x' }, 'fieldname 只能是 nickname、avatar、invite_confirm' ],
    [ 'fieldname " nickname"', { fieldname: ' nickname', fieldValue: 'x' }, 'fieldname 只能是 nickname、avatar、invite_confirm' ],
    [ 'fieldname a number', { fieldname: 1, fieldValue: 'x' }, 'fieldname 只能是 nickname、avatar、invite_confirm' ],
    [ 'fieldValue missing', { fieldname: 'nickname' }, 'fieldValue 不能为空' ],
    [ 'nickname of spaces', { fieldname: 'nickname', fieldValue: '   ' }, 'fieldValue 不能为空' ],
    [ 'nickname of 31 characters', { fieldname: 'nickname', fieldValue: 'x'.repeat(31) }, '昵称长度不能超过30个字符' ],
    [ 'nickname with a control character', { fieldname: 'nickname', fieldValue: 'a\u0007b' }, 'fieldValue 不能包含控制字符' ],
    [ 'nickname with a line break', { fieldname: 'nickname', fieldValue: 'a\nb' }, 'fieldValue 不能包含控制字符' ],
    [ 'nickname as a number', { fieldname: 'nickname', fieldValue: 12 }, 'fieldValue 必须是字符串' ],
    [ 'avatar of 1001 characters', { fieldname: 'avatar', fieldValue: `https://e.com/${'a'.repeat(1001 - 14)}` }, '头像地址过长不能超过1000个字符' ],
    ...[ 'ftp://e.com/a.png', `javascript${':'}alert(1)`, '//evil.com/a.png', 'a.png', 'https://', 'https:// e.com', 'data:image/png;base64,AAAA' ].map(v =>
      [ `avatar "${v}"`, { fieldname: 'avatar', fieldValue: v }, 'fieldValue 格式不正确' ] as [string, Record<string, unknown>, string]),
    [ 'avatar with a control character', { fieldname: 'avatar', fieldValue: '/a\u0000.png' }, 'fieldValue 不能包含控制字符' ],
    [ 'avatar of spaces', { fieldname: 'avatar', fieldValue: '  ' }, 'fieldValue 不能为空' ],
    ...[ 2, '2', -1, 'yes', true, ' 1', [ 1 ]].map(v =>
      [ `invite_confirm ${JSON.stringify(v)}`, { fieldname: 'invite_confirm', fieldValue: v }, '添加我为好友设置值错误' ] as [string, Record<string, unknown>, string]),
    [ 'invite_confirm ""', { fieldname: 'invite_confirm', fieldValue: '' }, 'fieldValue 不能为空' ],
  ];
  for (const [ title, body, reason ] of invalid) {
    it(`422 for ${title}`, async () => {
      const me = await member({ username: 'me000001', nickname: 'before' });
      const before = await storedUser(me.id);
      assertFail(await update(me, body), 422, reason);
      assert.deepEqual(await storedUser(me.id), before);
    });
  }
});

describe('POST /api/chat/getUserSetInfo', () => {
  const settings = (me: Member, body: Record<string, unknown>) => post('/api/chat/getUserSetInfo', me.token, body);

  it('another user\'s settings and whether I am in their friends', async () => {
    const [ me, a ] = await members([ 'me000001', 'alice01' ]);
    assertOk(await post('/api/chat/userset', a.token, { userset: '{"chatset":{"visitor":0,"user":{"sendCount":2,"needFollow":true}}}' }));
    let data = assertOk(await settings(me, { userid: a.id }));
    assert.deepEqual(Object.keys(data), [ 'id', 'userset', 'invite_confirm', 'isgoodfriend', 'isgoodfriend_status' ]);
    assert.deepEqual(data, { id: a.id, userset: CANONICAL, invite_confirm: 1, isgoodfriend: false, isgoodfriend_status: false });
    await befriendBySql(a.id, [ me.id ]);
    assertOk(await post('/api/chat/updateUserinfo', a.token, { fieldname: 'invite_confirm', fieldValue: 0 }));
    data = assertOk(await settings(me, { userid: String(a.id) }));
    assert.deepEqual(data, { id: a.id, userset: CANONICAL, invite_confirm: 0, isgoodfriend: true, isgoodfriend_status: true });
  });

  it('isgoodfriend_status is false when their row about me is blacklisted or not normal', async () => {
    const [ me, a ] = await members([ 'me000001', 'alice01' ]);
    await befriendBySql(a.id, [ me.id ], { isblack: 1 });
    assert.deepEqual(assertOk(await settings(me, { userid: a.id })), { id: a.id, userset: '', invite_confirm: 1, isgoodfriend: true, isgoodfriend_status: false });
    await execute('UPDATE goodfriend SET isblack = 0, status = 0 WHERE user_id = :a', { a: a.id });
    assert.equal(assertOk(await settings(me, { userid: a.id })).isgoodfriend_status, false);
    // My blacklisting of them does not matter: only their row about me.
    await execute('UPDATE goodfriend SET isblack = 0, status = 1 WHERE user_id = :a', { a: a.id });
    await execute('UPDATE goodfriend SET isblack = 1 WHERE user_id = :me', { me: me.id });
    assert.equal(assertOk(await settings(me, { userid: a.id })).isgoodfriend_status, true);
  });

  it('myself, visitors included', async () => {
    const [ me, visitor ] = await members([ 'me000001', { username: 'VISitor01', role: 'visitor' }]);
    assert.deepEqual(assertOk(await settings(me, { userid: me.id })), { id: me.id, userset: '', invite_confirm: 1, isgoodfriend: false, isgoodfriend_status: false });
    assert.equal(assertOk(await settings(visitor, { userid: visitor.id })).id, visitor.id);
    assert.equal(assertOk(await settings(visitor, { userid: me.id })).id, me.id);
  });

  it('404 用户不存在或者为游客，无法加为好友 for a missing, gone or visitor user', async () => {
    const [ me, off, gone, visitor ] = await members([
      'me000001', { username: 'disabled1', status: 0 }, { username: 'deleted1', is_deleted: 1 }, { username: 'VISitor01', role: 'visitor' },
    ]);
    for (const id of [ 999999, off.id, gone.id, visitor.id ]) assertFail(await settings(me, { userid: id }), 404, '用户不存在或者为游客，无法加为好友');
  });

  for (const [ body, reason ] of [
    [{}, 'userid 不能为空' ], [{ userid: '' }, 'userid 不能为空' ], [{ userid: 0 }, 'userid 应为 1-4294967295 之间的整数' ],
    [{ userid: 'me' }, 'userid 应为 1-4294967295 之间的整数' ],
  ] as Array<[Record<string, unknown>, string]>) {
    it(`422 for ${JSON.stringify(body)}`, async () => {
      const me = await member('me000001');
      assertFail(await settings(me, body), 422, reason);
    });
  }
});

describe('friends texts in English', () => {
  it('Accept-Language: en', async () => {
    const [ me, a ] = await members([ 'me000001', 'alice01' ]);
    const res = await app.httpRequest().post('/api/chat/applyfriend').set('token', me.token).set('Accept-Language', 'en').send({ friend_id: me.id });
    assertFail(res, 422, 'You cannot add yourself as a friend');
    const handled = await app.httpRequest().post('/api/chat/handleapply/1').set('token', a.token).set('Accept-Language', 'en').send({ status: 'x' });
    assertFail(handled, 422, 'status must be agree, refuse or ignore');
  });
});
