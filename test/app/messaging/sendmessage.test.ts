import { strict as assert } from 'node:assert';
import { app, mm } from 'egg-mock/bootstrap';
import { AUTH_FAILURES, assertFail } from '../../helpers';
import { befriend, blacklist, call, connect, friends, listen, sendMessage, sendText, setSendCount, sleep, textBody, user } from './support';

const ROUTE = '/api/chat/socket/sendmessage';
const MESSAGE_KEYS = [ 'id', 'from_avatar', 'from_name', 'from_id', 'to_id', 'to_name', 'to_avatar', 'chatType', 'type', 'data',
  'options', 'create_time', 'isremove', 'sendUUid', 'seq' ];

describe('POST /api/chat/socket/sendmessage', () => {
  const server = listen();


  it('answers the stored message object, keys in the contract\'s order (JSON and form bodies)', async () => {
    const { a, b } = await friends();
    await app.model.User.update({ nickname: '小明' }, { where: { id: a.id } });
    const res = await sendMessage(server.base, a.token, textBody(b.id, '你好'));
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const m = res.body.data;
    assert.deepEqual(Object.keys(m), MESSAGE_KEYS);
    assert.match(m.id, /^[1-9]\d*$/);
    assert.deepEqual({ ...m, id: 'x', create_time: 0 }, {
      id: 'x', from_avatar: a.row.avatar, from_name: '小明', from_id: a.id, to_id: b.id, to_name: 'receiver1', to_avatar: b.row.avatar,
      chatType: 'single', type: 'text', data: '{"data":"你好","dataType":false,"otherData":null}', options: {}, create_time: 0,
      isremove: 0, sendUUid: a.uuid, seq: 1,
    });
    assert.ok(Math.abs(m.create_time - Date.now()) < 60000);
    const form = await sendMessage(server.base, a.token, {
      sendto_id: String(b.id), chatType: 'single', type: 'image', data: JSON.stringify({ data: '/public/a.png', dataType: 'image', otherData: { w: 1 } }),
      options: JSON.stringify({ poster: 'p' }),
    }, true);
    assert.equal(form.status, 200, JSON.stringify(form.body));
    assert.equal(form.body.data.data, '{"data":"/public/a.png","dataType":"image","otherData":{"w":1}}');
    assert.deepEqual(form.body.data.options, { poster: 'p' });
    assert.equal(form.body.data.seq, 2);
    assert.ok(BigInt(form.body.data.id) > BigInt(m.id));
  });

  it('names each side as the other sees it: remark, else nickname, else username', async () => {
    const a = await user('sender01');
    const b = await user('receiver1');
    await befriend(a.id, b.id, { ab: '老板', ba: '同学' });
    const m = await sendText(server.base, a.token, b.id, 'hi');
    assert.equal(m.from_name, '同学'); // b's remark for a
    assert.equal(m.to_name, '老板'); // a's remark for b
  });

  for (const failure of AUTH_FAILURES) {
    it(`${failure.status} for ${failure.title}`, async () => {
      const { a, b } = await friends();
      const headers = await failure.prepare({ id: a.id, token: a.token });
      const res = await fetch(`${server.base}${ROUTE}`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify(textBody(b.id, 'x')) });
      assertFail({ status: res.status, headers: Object.fromEntries(res.headers), body: await res.json() }, failure.status, failure.reason);
    });
  }

  const long = (n: number) => 'a'.repeat(n);
  const cases: Array<[ string, (to: number) => Record<string, unknown>, string ]> = [
    [ 'nothing', () => ({}), 'sendto_id 不能为空' ],
    [ 'sendto_id 0', to => ({ ...textBody(to, 'x'), sendto_id: 0 }), 'sendto_id 应为正整数' ],
    [ 'sendto_id -1', to => ({ ...textBody(to, 'x'), sendto_id: -1 }), 'sendto_id 应为正整数' ],
    [ 'sendto_id "01"', to => ({ ...textBody(to, 'x'), sendto_id: '01' }), 'sendto_id 应为正整数' ],
    [ 'sendto_id 1.5', to => ({ ...textBody(to, 'x'), sendto_id: 1.5 }), 'sendto_id 应为正整数' ],
    [ 'sendto_id 2^32', to => ({ ...textBody(to, 'x'), sendto_id: 4294967296 }), 'sendto_id 应为正整数' ],
    [ 'to_id alias malformed', to => ({ ...textBody(to, 'x'), sendto_id: undefined, to_id: 'x' }), 'to_id 应为正整数' ],
    [ 'to_id differs', to => ({ ...textBody(to, 'x'), to_id: to + 1 }), 'to_id 与 sendto_id 不一致' ],
    [ 'chatType missing', to => ({ ...textBody(to, 'x'), chatType: undefined }), 'chatType 不能为空' ],
    [ 'chatType other', to => ({ ...textBody(to, 'x'), chatType: 'room' }), 'chatType 只能是 single 或 group' ],
    [ 'type missing', to => ({ ...textBody(to, 'x'), type: '' }), 'type 不能为空' ],
    [ 'type systemNotice (server-only)', to => ({ ...textBody(to, 'x'), type: 'systemNotice' }), 'type 不支持' ],
    [ 'type unknown', to => ({ ...textBody(to, 'x'), type: 'location' }), 'type 不支持' ],
    [ 'data missing', to => ({ ...textBody(to, 'x'), data: undefined }), 'data 不能为空' ],
    [ 'data a number', to => ({ ...textBody(to, 'x'), data: 5 }), 'data 格式不正确' ],
    [ 'data a string that is not JSON', to => ({ ...textBody(to, 'x'), data: 'hello' }), 'data 格式不正确' ],
    [ 'data.data missing', to => ({ ...textBody(to, 'x'), data: { dataType: false } }), 'data 格式不正确' ],
    [ 'data.data blank', to => ({ ...textBody(to, 'x'), data: { data: '  \n', dataType: false, otherData: null } }), 'data 格式不正确' ],
    [ 'text of 4097 characters', to => textBody(to, long(4097)), '消息内容过长' ],
    [ 'text of 4097 emoji', to => textBody(to, '😀'.repeat(4097)), '消息内容过长' ],
    [ 'image not a URL', to => ({ ...textBody(to, 'x'), type: 'image', data: { data: 'ftp://a.b/x.png' } }), 'data 格式不正确' ],
    [ 'image URL over 1000', to => ({ ...textBody(to, 'x'), type: 'image', data: { data: `https://a.b/${long(1000)}` } }), '消息内容过长' ],
    [ 'iconMenus over 1000', to => ({ ...textBody(to, 'x'), type: 'iconMenus', data: { data: long(1001) } }), '消息内容过长' ],
    [ 'dataType of 21 characters', to => ({ ...textBody(to, 'x'), data: { data: 'x', dataType: long(21) } }), 'data 格式不正确' ],
    [ 'dataType true', to => ({ ...textBody(to, 'x'), data: { data: 'x', dataType: true } }), 'data 格式不正确' ],
    [ 'otherData an array', to => ({ ...textBody(to, 'x'), data: { data: 'x', otherData: [ 1 ] } }), 'data 格式不正确' ],
    [ 'whole data over 16 KB', to => ({ ...textBody(to, 'x'), data: { data: 'x', otherData: { pad: long(17000) } } }), '消息内容过长' ],
    [ 'options not an object', to => ({ ...textBody(to, 'x'), options: '[1]' }), 'options 格式不正确' ],
    [ 'options over 4 KB', to => ({ ...textBody(to, 'x'), options: { pad: long(4100) } }), 'options 格式不正确' ],
    [ 'client_msg_id with a space', to => ({ ...textBody(to, 'x'), client_msg_id: 'a b' }), 'client_msg_id 格式不正确' ],
    [ 'client_msg_id of 65 characters', to => ({ ...textBody(to, 'x'), client_msg_id: long(65) }), 'client_msg_id 格式不正确' ],
  ];
  for (const [ title, body, reason ] of cases) {
    it(`422 ${reason}: ${title}`, async () => {
      const { a, b } = await friends();
      assertFail(await sendMessage(server.base, a.token, body(b.id)), 422, reason);
    });
  }

  it('422 不能给自己发消息, and accepts the limits exactly (4096 characters, 1000-character media URL, 20-character dataType)', async () => {
    const { a, b } = await friends();
    assertFail(await sendMessage(server.base, a.token, textBody(a.id, 'me')), 422, '不能给自己发消息');
    await sendText(server.base, a.token, b.id, '中'.repeat(4096));
    const ok = await sendMessage(server.base, a.token, { ...textBody(b.id, 'x'), type: 'video', data: { data: `https://v.cn/${long(1000 - 13)}`, dataType: long(20) } });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    const viaAlias = await sendMessage(server.base, a.token, { ...textBody(b.id, 'x'), sendto_id: undefined, to_id: String(b.id) });
    assert.equal(viaAlias.status, 200);
  });

  it('413 above 64 KB; a 20 KB body (over the other routes\' 16 KB) is read', async () => {
    const { a, b } = await friends();
    assertFail(await sendMessage(server.base, a.token, { ...textBody(b.id, 'x'), pad: long(70 * 1024) }), 413, '请求体过大');
    const res = await sendMessage(server.base, a.token, { ...textBody(b.id, 'x'), pad: long(20 * 1024) });
    assert.equal(res.status, 200);
  });

  it('404 for a group until groups exist; 404 when the recipient is missing, deleted or disabled', async () => {
    const { a } = await friends();
    assertFail(await sendMessage(server.base, a.token, { ...textBody(99999, 'x'), chatType: 'group' }), 404, '群不存在或者已解散或者被封禁，无法发消息');
    assertFail(await sendMessage(server.base, a.token, textBody(99999, 'x')), 404, '对方不存在或者被禁用，不能发消息');
    const gone = await user('gone0001', { username: 'gone0001', is_deleted: 1 });
    const off = await user('off00001', { username: 'off00001', status: 0 });
    for (const target of [ gone, off ]) assertFail(await sendMessage(server.base, a.token, textBody(target.id, 'x')), 404, '对方不存在或者被禁用，不能发消息');
  });

  it('403 when the recipient blacklisted the sender, or the friendship is blocked; the other direction still works', async () => {
    const { a, b } = await friends();
    await blacklist(b.id, a.id);
    assertFail(await sendMessage(server.base, a.token, textBody(b.id, 'x')), 403, '对方把你拉黑了，不能发送消息');
    await sendText(server.base, b.token, a.id, 'I blacklisted you but may write');
    await app.model.query('DELETE FROM user_block WHERE blocker_id = :b', { replacements: { b: b.id } });
    await app.model.Goodfriend.update({ isblack: 0, status: 0 }, { where: { user_id: b.id, friend_id: a.id } });
    assertFail(await sendMessage(server.base, a.token, textBody(b.id, 'x')), 403, '系统把你们拉黑了，不能发送消息');
  });

  it('strangers: the "now friends" system notices of a past friendship are not the sender\'s one message', async () => {
    const a = await user('exfriend1', { username: 'exfriend1', invite_confirm: 0 } as any);
    const b = await user('exfriend2', { username: 'exfriend2', invite_confirm: 0 } as any);
    await call(server.base, 'POST', '/api/chat/autoAddFriendAndAgree', a.token, { friend_id: b.id });
    await call(server.base, 'POST', `/api/chat/deletegoodfriend/${b.id}`, a.token, {});
    await sendText(server.base, a.token, b.id, 'first as a stranger again');
    assertFail(await sendMessage(server.base, a.token, textBody(b.id, 'second')), 403, '在成为好友之前，对方只允许向他发一条消息');
  });

  it('strangers: sendCount 1 (default) allows one message, 2 any number, 0 none (visitor text for visitors)', async () => {
    const a = await user('stranger1');
    const b = await user('target001');
    await sendText(server.base, a.token, b.id, 'first');
    assertFail(await sendMessage(server.base, a.token, textBody(b.id, 'second')), 403, '在成为好友之前，对方只允许向他发一条消息');
    // The recipient may answer (their own count), and once friends, anything goes.
    await sendText(server.base, b.token, a.id, 'reply');
    await setSendCount(b.id, 2);
    await sendText(server.base, a.token, b.id, 'second');
    await setSendCount(b.id, 0, 1);
    assertFail(await sendMessage(server.base, a.token, textBody(b.id, 'x')), 403, '对方设置成：需要您先成为他的好友才能发消息');
    const visitor = await user('VISvisit01', { username: 'VISvisit01', role: 'visitor' });
    await sendText(server.base, visitor.token, b.id, 'visitor one');
    await setSendCount(b.id, 0, 0);
    const v2 = await user('VISvisit02', { username: 'VISvisit02', role: 'visitor' });
    assertFail(await sendMessage(server.base, v2.token, textBody(b.id, 'x')), 403, '你们不是好友关系，对方设置成：先登录才能发消息');
    await befriend(a.id, b.id);
    await sendText(server.base, a.token, b.id, 'friends now');
  });

  it('sendCount 1 holds under concurrency: two first messages at once, exactly one 200', async () => {
    const a = await user('stranger1');
    const b = await user('target001');
    const answers = await Promise.all([ 1, 2, 3 ].map(i => sendMessage(server.base, a.token, textBody(b.id, `race ${i}`))));
    assert.deepEqual(answers.map(r => r.status).sort(), [ 200, 403, 403 ]);
    assert.equal(await app.model.Message.count(), 1);
  });

  it('two sends at once in one conversation keep seq order in the store and in delivery', async () => {
    const { a, b } = await friends();
    const client = await connect(server.port, b.token);
    const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => sendMessage(server.base, a.token, textBody(b.id, `c${i}`))));
    assert.deepEqual(answers.map(r => r.status), Array(10).fill(200));
    assert.deepEqual(answers.map(r => r.body.data.seq).sort((x, y) => x - y), [ 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 ]);
    const frames = await client.received(10);
    assert.deepEqual(frames.map(f => f.data.seq), [ 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 ]);
    // ids grow with seq
    const ids = frames.map(f => BigInt(f.data.id));
    assert.deepEqual([ ...ids ].sort((x, y) => (x < y ? -1 : 1)), ids);
    client.close();
  });

  it('first messages of many pairs at once all succeed (creating conversations does not deadlock)', async () => {
    const pairs = await Promise.all(Array.from({ length: 12 }, (_, i) => friends(`first_a${i}`, `first_b${i}`)));
    const answers = await Promise.all(pairs.flatMap(({ a, b }) => [ sendMessage(server.base, a.token, textBody(b.id, 'hi')),
      sendMessage(server.base, b.token, textBody(a.id, 'hi back')) ]));
    assert.deepEqual(answers.map(r => r.status), Array(24).fill(200));
    assert.equal(await app.model.Conversation.count(), 12);
  });

  it('client_msg_id: a retry answers the first message and sends nothing, whatever its body; two at once make one message', async () => {
    const { a, b } = await friends();
    const c = await user('other0001');
    await befriend(a.id, c.id);
    const client = await connect(server.port, b.token);
    const first = await sendText(server.base, a.token, b.id, 'once', { client_msg_id: 'abc-123_X' });
    const again = await sendText(server.base, a.token, c.id, 'different body', { client_msg_id: 'abc-123_X' });
    assert.deepEqual(again, first);
    const racing = await Promise.all([ 1, 2, 3 ].map(() => sendText(server.base, a.token, b.id, 'racy', { client_msg_id: 'race-1' })));
    assert.equal(new Set(racing.map(m => m.id)).size, 1);
    assert.equal(await app.model.Message.count(), 2);
    await client.received(2);
    await sleep(300);
    assert.equal(client.of('singleChat').length, 2);
    client.close();
  });

  it('429 after MSG_RATE_LIMIT attempts a minute (with Retry-After); a 422 does not count', async () => {
    const { a, b } = await friends();
    mm(app.config.im.messaging, 'msgRateLimit', 3);
    await sendMessage(server.base, a.token, { ...textBody(b.id, 'x'), type: 'bad' });
    for (let i = 0; i < 3; i++) await sendText(server.base, a.token, b.id, `m${i}`);
    const res = await sendMessage(server.base, a.token, textBody(b.id, 'over'));
    assertFail(res, 429, '请求过于频繁，请稍后再试');
    assert.ok(Number(res.headers['retry-after']) >= 1 && Number(res.headers['retry-after']) <= 60);
  });

  it('429 when a new conversation would exceed MSG_NEW_CONV_LIMIT a day; existing ones go on', async () => {
    mm(app.config.im.messaging, 'msgNewConvLimit', 1);
    const a = await user('sender01');
    const [ b, c ] = [ await user('target001'), await user('target002') ];
    await setSendCount(b.id, 2);
    await setSendCount(c.id, 2);
    await sendText(server.base, a.token, b.id, 'new conversation');
    assertFail(await sendMessage(server.base, a.token, textBody(c.id, 'another new one')), 429, '请求过于频繁，请稍后再试');
    await sendText(server.base, a.token, b.id, 'same conversation');
  });

  it('is open to visitors', async () => {
    const v = await user('VISvisit01', { username: 'VISvisit01', role: 'visitor' });
    const b = await user('target001');
    const m = await sendText(server.base, v.token, b.id, 'hello from a visitor');
    assert.equal(m.from_id, v.id);
  });

  it('an unknown method or path stays 404', async () => {
    const { a } = await friends();
    assertFail(await call(server.base, 'GET', ROUTE, a.token), 404, '404 错误');
  });
});
