import { strict as assert } from 'node:assert';
import { app, mm } from 'egg-mock/bootstrap';
import { AUTH_FAILURES, assertFail, assertOk } from '../../helpers';
import { befriend, call, connect, device, listen, sendText, sleep, user } from './support';

const NOTICE_KEYS = [ 'id', 'from_avatar', 'from_name', 'from_id', 'to_id', 'to_name', 'to_avatar', 'chatType', 'type', 'actionType',
  'data', 'options', 'create_time', 'isremove', 'group' ];

describe('POST /api/chat/revokeMessage', () => {
  const server = listen();
  const revoke = (token: string, body: unknown) => call(server.base, 'POST', '/api/chat/revokeMessage', token, body);

  async function chat() {
    const a = await user('sender01');
    const b = await user('receiver1');
    await befriend(a.id, b.id);
    await app.model.User.update({ nickname: '发送者' }, { where: { id: a.id } });
    const message = await sendText(server.base, a.token, b.id, 'secret');
    return { a, b, message };
  }

  const bodyOf = (m: any) => ({ id: m.id, chatType: 'single', to_id: m.to_id, to_name: 'ignored', to_avatar: 'ignored', create_time: 1 });

  it('erases the message and sends the notice to the recipient (singleChat) and the sender\'s other sessions (singleChatSync)', async () => {
    const { a, b, message } = await chat();
    const recipient = await connect(server.port, b.token);
    await recipient.received(1);
    const otherDevice = await connect(server.port, await device(a));
    const notice = assertOk(await revoke(a.token, bodyOf(message)));
    assert.deepEqual(Object.keys(notice), NOTICE_KEYS);
    assert.deepEqual({ ...notice, create_time: 0 }, {
      id: message.id, from_avatar: message.from_avatar, from_name: message.from_name, from_id: a.id, to_id: b.id,
      to_name: message.to_name, to_avatar: message.to_avatar, chatType: 'single', type: 'systemNotice', actionType: 'revoke',
      data: { data: '发送者撤回了一条消息', dataType: false, otherData: null }, options: {}, create_time: 0, isremove: 0, group: null,
    });
    assert.ok(notice.create_time >= message.create_time);
    const frames = await recipient.received(2);
    assert.deepEqual(frames[1].data, notice);
    assert.deepEqual((await otherDevice.received(1, 'singleChatSync'))[0].data, notice);
    const row = await app.model.Message.findByPk(message.id, { raw: true });
    assert.equal(row!.isremove, 1);
    assert.equal(row!.data, '{"data":"发送者撤回了一条消息","dataType":false,"otherData":null}');
    assert.equal(row!.options, null);
    assert.ok(!JSON.stringify(row).includes('secret'));
    recipient.close();
    otherDevice.close();
  });

  it('a repeat answers the first notice, create_time included, and sends nothing again', async () => {
    const { a, b, message } = await chat();
    const first = assertOk(await revoke(a.token, bodyOf(message)));
    await sleep(20);
    const client = await connect(server.port, b.token);
    await client.received(2); // the message (revoked) and the notice
    const again = assertOk(await revoke(a.token, bodyOf(message)));
    assert.deepEqual(again, first);
    // Also once the window has passed: the revoke happened in time.
    await app.model.Message.update({ create_time: new Date(Date.now() - 3600000) }, { where: { id: message.id } });
    assert.deepEqual(assertOk(await revoke(a.token, bodyOf(message))), first);
    await sleep(300);
    assert.equal(client.of('singleChat').length, 2);
    client.close();
  });

  it('revoked before delivery: the catch-up brings it with isremove 1 and the revoke text, then the notice', async () => {
    const { a, b, message } = await chat();
    const notice = assertOk(await revoke(a.token, bodyOf(message)));
    const client = await connect(server.port, b.token);
    const [ m, n ] = await client.received(2);
    assert.deepEqual(m.data, { ...message, isremove: 1, data: '{"data":"发送者撤回了一条消息","dataType":false,"otherData":null}', options: {} });
    assert.deepEqual(n.data, notice);
    client.close();
  });

  it('404 消息不存在: unknown or malformed id, not the caller\'s conversation, to_id or chatType mismatch', async () => {
    const { a, b, message } = await chat();
    const stranger = await user('stranger1');
    const nf = '消息不存在';
    assertFail(await revoke(a.token, { ...bodyOf(message), id: '99999999' }), 404, nf);
    assertFail(await revoke(a.token, { ...bodyOf(message), id: 'a1b2-uuid' }), 404, nf);
    assertFail(await revoke(stranger.token, bodyOf(message)), 404, nf);
    assertFail(await revoke(a.token, { ...bodyOf(message), to_id: stranger.id }), 404, nf);
    assertFail(await revoke(a.token, { ...bodyOf(message), chatType: 'group' }), 404, nf);
    assert.equal(b.id, message.to_id);
  });

  it('403 只能撤回自己发送的消息 for the other side (whatever to_id says); 403 after REVOKE_WINDOW_MINUTES', async () => {
    const { a, b, message } = await chat();
    assertFail(await revoke(b.token, bodyOf(message)), 403, '只能撤回自己发送的消息');
    assertFail(await revoke(b.token, { ...bodyOf(message), to_id: a.id }), 403, '只能撤回自己发送的消息');
    await app.model.Message.update({ create_time: new Date(Date.now() - 5 * 60000 - 1000) }, { where: { id: message.id } });
    assertFail(await revoke(a.token, bodyOf(message)), 403, '消息超过5分钟，不能撤回');
    mm(app.config.im.messaging, 'revokeWindowMinutes', 10);
    assertOk(await revoke(a.token, bodyOf(message)));
  });

  it('422 for missing fields, in the order id, chatType, to_id; 422 for a malformed to_id', async () => {
    const { a, message } = await chat();
    assertFail(await revoke(a.token, {}), 422, 'id 不能为空');
    assertFail(await revoke(a.token, { id: message.id }), 422, 'chatType 不能为空');
    assertFail(await revoke(a.token, { id: message.id, chatType: 'single', to_id: '' }), 422, 'to_id 不能为空');
    assertFail(await revoke(a.token, { id: message.id, chatType: 'single', to_id: 'x' }), 422, 'to_id 应为正整数');
  });

  it('two revokes at once: both 200 with the same notice, one notice delivered', async () => {
    const { a, b, message } = await chat();
    const client = await connect(server.port, b.token);
    await client.received(1);
    const [ r1, r2 ] = await Promise.all([ revoke(a.token, bodyOf(message)), revoke(a.token, bodyOf(message)) ]);
    assert.deepEqual(assertOk(r1), assertOk(r2));
    await client.received(2);
    await sleep(300);
    assert.equal(client.of('singleChat').length, 2);
    client.close();
  });

  for (const failure of AUTH_FAILURES.slice(0, 3)) {
    it(`${failure.status} for ${failure.title}`, async () => {
      const { a, message } = await chat();
      const headers = await failure.prepare({ id: a.id, token: a.token });
      const res = await fetch(`${server.base}/api/chat/revokeMessage`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify(bodyOf(message)) });
      assertFail({ status: res.status, headers: Object.fromEntries(res.headers), body: await res.json() }, failure.status, failure.reason);
    });
  }
});
