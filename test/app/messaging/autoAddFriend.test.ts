import { strict as assert } from 'node:assert';
import { app, mm } from 'egg-mock/bootstrap';
import { AUTH_FAILURES, assertFail, assertOk } from '../../helpers';
import { befriend, blacklist, call, connect, listen, sleep, user } from './support';

const ROUTE = '/api/chat/autoAddFriendAndAgree';
const NOW_FRIENDS = { data: '我们已经是好友了，可以开始聊天了', dataType: false, otherData: null };
const MESSAGE_KEYS = [ 'id', 'from_avatar', 'from_name', 'from_id', 'to_id', 'to_name', 'to_avatar', 'chatType', 'type', 'data',
  'options', 'create_time', 'isremove', 'sendUUid', 'seq' ];

/** A user who lets anyone add them (invite_confirm 0). */
const open = (username: string) => user(username, { username, invite_confirm: 0 } as any);

async function friendRows(a: number, b: number) {
  return app.model.Goodfriend.findAll({ where: { user_id: [ a, b ], friend_id: [ a, b ] }, order: [ 'user_id' ], raw: true });
}

describe('POST /api/chat/autoAddFriendAndAgree', () => {
  const server = listen();
  const add = (token: string, body: unknown, form = false) => call(server.base, 'POST', ROUTE, token, body, form);

  it('befriends at once: both rows (remarks ""), my application agreed, one systemNotice each way over the sockets', async () => {
    const a = await user('adder0001');
    const b = await open('target001');
    const aSocket = await connect(server.port, a.token);
    const bSocket = await connect(server.port, b.token);
    assert.equal(assertOk(await add(a.token, { friend_id: b.id, nickname: '你好\n我是 a' })), 'ok');

    const rows = await friendRows(a.id, b.id);
    assert.deepEqual(rows.map(r => [ r.user_id, r.friend_id, r.nickname, r.isblack, r.status ]), [[ a.id, b.id, '', 0, 1 ], [ b.id, a.id, '', 0, 1 ]]);
    const application = await app.model.GoodfriendApply.findOne({ where: { user_id: a.id, friend_id: b.id }, raw: true });
    assert.deepEqual([ application!.status, application!.nickname ], [ 'agree', '你好\n我是 a' ]);

    const [ toB ] = await bSocket.received(1);
    const [ toA ] = await aSocket.received(1);
    for (const [ frame, from, to ] of [[ toB, a, b ], [ toA, b, a ]] as const) {
      assert.deepEqual(Object.keys(frame), [ 'type', 'data', 'timestamp' ]);
      assert.deepEqual(Object.keys(frame.data), MESSAGE_KEYS);
      assert.deepEqual([ frame.data.from_id, frame.data.to_id, frame.data.type, frame.data.chatType ], [ from.id, to.id, 'systemNotice', 'single' ]);
      assert.deepEqual(frame.data.data, NOW_FRIENDS);
      assert.deepEqual(frame.data.options, {});
    }
    // Each side gets its own notice; neither a sync copy of the one it "sent".
    await sleep(300);
    assert.equal(aSocket.of('singleChatSync').length + bSocket.of('singleChatSync').length, 0);
    assert.equal(aSocket.of().length + bSocket.of().length, 2);
    // Kept in history, in order.
    const history = assertOk(await call(server.base, 'GET', `/api/chat/history/${b.id}`, a.token));
    assert.deepEqual(history.map((m: any) => [ m.from_id, m.type, m.seq ]), [[ b.id, 'systemNotice', 2 ], [ a.id, 'systemNotice', 1 ]]);
    // Friends now: messages go both ways whatever the settings.
    aSocket.close();
    bSocket.close();
  });

  it('agrees the target\'s pending application to me too, and takes a form body', async () => {
    const a = await user('adder0001');
    const b = await open('target001');
    await app.model.GoodfriendApply.create({ user_id: b.id, friend_id: a.id, nickname: 'hi' });
    assert.equal(assertOk(await add(a.token, { friend_id: String(b.id) }, true)), 'ok');
    const theirs = await app.model.GoodfriendApply.findOne({ where: { user_id: b.id, friend_id: a.id }, raw: true });
    assert.equal(theirs!.status, 'agree');
    assert.equal((await friendRows(a.id, b.id)).length, 2);
  });

  it('422 for itself, a malformed friend_id, a missing friend_id or a note over 50 characters', async () => {
    const a = await user('adder0001');
    await app.model.User.update({ invite_confirm: 0 }, { where: { id: a.id } });
    assertFail(await add(a.token, { friend_id: a.id }), 422, '不能添加自己为好友');
    for (const bad of [ 0, -1, '01', '1.5', 'x', 4294967296, ' 5', true, [ 5 ], { id: 5 }]) {
      assertFail(await add(a.token, { friend_id: bad }), 422, 'friend_id 应为 1-4294967295 之间的整数');
    }
    assertFail(await add(a.token, {}), 422, 'friend_id 不能为空');
    assertFail(await add(a.token, { friend_id: a.id + 1, nickname: 'x'.repeat(51) }), 422, 'nickname 长度应为 0-50 位');
    assertFail(await add(a.token, { friend_id: a.id + 1, nickname: 'a\u0000b' }), 422, 'nickname 不能包含控制字符');
  });

  it('404 for a missing, disabled, deleted or visitor target, before any other check', async () => {
    const a = await user('adder0001');
    const disabled = await user('disabled1', { username: 'disabled1', status: 0, invite_confirm: 0 } as any);
    const deleted = await user('deleted01', { username: 'deleted01', is_deleted: 1, invite_confirm: 0 } as any);
    const visitor = await user('VISvisitor1', { username: 'VISvisitor1', role: 'visitor', invite_confirm: 0 } as any);
    for (const id of [ 999999, disabled.id, deleted.id, visitor.id ]) {
      assertFail(await add(a.token, { friend_id: id }), 404, '添加的好友不存在');
    }
    // Gone although already friends (rows kept): still 404.
    await befriend(a.id, disabled.id);
    assertFail(await add(a.token, { friend_id: disabled.id }), 404, '添加的好友不存在');
  });

  it('409 when my row for the target exists (blacklisted or not), checked before the consent', async () => {
    const a = await user('adder0001');
    const b = await user('target001'); // invite_confirm 1
    await befriend(a.id, b.id);
    assertFail(await add(a.token, { friend_id: b.id }), 409, '对方已经是您的好友');
    await blacklist(a.id, b.id);
    assertFail(await add(a.token, { friend_id: b.id }), 409, '对方已经是您的好友');
  });

  it('403 when the target reviews requests (invite_confirm 1, the default), and nothing is written', async () => {
    const a = await user('adder0001');
    const b = await user('target001');
    assertFail(await add(a.token, { friend_id: b.id }), 403, '需要对方审核，不能自动加对方为好友');
    assert.equal((await friendRows(a.id, b.id)).length, 0);
    assert.equal(await app.model.GoodfriendApply.count(), 0);
    assert.equal(await app.model.Message.count(), 0);
  });

  it('is open to visitors (as the adder)', async () => {
    const visitor = await user('VISvisitor1', { username: 'VISvisitor1', role: 'visitor' });
    const b = await open('target001');
    assert.equal(assertOk(await add(visitor.token, { friend_id: b.id })), 'ok');
    assert.equal((await friendRows(visitor.id, b.id)).length, 2);
  });

  it('409 at FRIEND_MAX on either side', async () => {
    mm(app.config.im, 'friends', { ...app.config.im.friends, max: 1 });
    const a = await user('adder0001');
    const b = await open('target001');
    const c = await user('other0001');
    await befriend(a.id, c.id);
    assertFail(await add(a.token, { friend_id: b.id }), 409, '好友数量已达上限');
    const d = await user('adder0002');
    await befriend(b.id, c.id);
    assertFail(await add(d.token, { friend_id: b.id }), 409, '对方好友数量已达上限');
    assert.equal(await app.model.Message.count(), 0);
  });

  it('stores nothing when a notice cannot be stored (one transaction)', async () => {
    const a = await user('adder0001');
    const b = await open('target001');
    app.mockService('messaging.chat', 'storeSystemNotice', async () => { throw new Error('message store failed'); });
    const res = await add(a.token, { friend_id: b.id });
    assertFail(res, 500, 'Internal Server Error');
    assert.equal((await friendRows(a.id, b.id)).length, 0);
    assert.equal(await app.model.GoodfriendApply.count(), 0);
  });

  it('concurrent adds of one pair, both ways: one 200, the rest 409, two rows and two notices', async () => {
    const a = await open('adder0001');
    const b = await open('target001');
    const answers = await Promise.all([
      add(a.token, { friend_id: b.id }), add(b.token, { friend_id: a.id }), add(a.token, { friend_id: b.id }), add(b.token, { friend_id: a.id }),
    ]);
    assert.deepEqual(answers.map(r => r.status).sort(), [ 200, 409, 409, 409 ], JSON.stringify(answers.map(r => r.body)));
    assert.equal((await friendRows(a.id, b.id)).length, 2);
    assert.equal(await app.model.Message.count(), 2);
  });

  for (const failure of AUTH_FAILURES) {
    it(`${failure.status} for ${failure.title}`, async () => {
      const a = await user('adder0001');
      const headers = await failure.prepare({ id: a.id, token: a.token });
      const res = await fetch(`${server.base}${ROUTE}`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: '{"friend_id":5}' });
      assertFail({ status: res.status, headers: Object.fromEntries(res.headers), body: await res.json() }, failure.status, failure.reason);
    });
  }
});
