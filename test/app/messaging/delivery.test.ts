import { strict as assert } from 'node:assert';
import { app, mm } from 'egg-mock/bootstrap';
import { logout } from '../../helpers';
import { call, connect, cursorOf, device, friends, listen, sendText, sidOf, sleep, textBody, WELCOME } from './support';

describe('messaging delivery (CONTRACT-messaging §1, §3)', () => {
  const server = listen();

  const pair = () => friends('alice01', 'bob00001');

  it('welcomes a socket, then delivers a message as the singleChat frame the course client reads', async () => {
    const { a, b } = await pair();
    const client = await connect(server.port, b.token);
    assert.deepEqual(Object.keys(client.frames[0]), [ 'type', 'data', 'timestamp' ]);
    assert.equal(client.frames[0].data, WELCOME);
    const message = await sendText(server.base, a.token, b.id, '你好');
    const [ frame ] = await client.received(1);
    assert.deepEqual(Object.keys(frame), [ 'type', 'data', 'timestamp' ]);
    assert.deepEqual(frame.data, message);
    assert.equal(typeof frame.timestamp, 'number');
    client.close();
  });

  it('reaches every session of the recipient; the sender\'s other sessions get singleChatSync, the sending one nothing', async () => {
    const { a, b } = await pair();
    const phone = await connect(server.port, b.token);
    const desktop = await connect(server.port, await device(b));
    const aOther = await connect(server.port, await device(a));
    const aSelf = await connect(server.port, a.token);
    const message = await sendText(server.base, a.token, b.id, 'to both');
    for (const c of [ phone, desktop ]) assert.deepEqual((await c.received(1))[0].data, message);
    const [ sync ] = await aOther.received(1, 'singleChatSync');
    assert.deepEqual(sync.data, message);
    await sleep(200);
    assert.equal(aSelf.of('singleChat').length + aSelf.of('singleChatSync').length, 0);
    for (const c of [ phone, desktop, aOther, aSelf ]) c.close();
  });

  it('a live frame comes from its event: delivering it reads neither the inbox nor MySQL', async () => {
    const { a, b } = await pair();
    const client = await connect(server.port, b.token);
    await sendText(server.base, a.token, b.id, 'warm-up');
    await client.received(1);
    await sleep(100); // the connect's own catch-up is over
    const reads: string[] = [];
    const spy = (target: any, method: string) => {
      const original = target[method];
      mm(target, method, function(this: unknown, ...args: unknown[]) {
        reads.push(method);
        return original.apply(this, args);
      });
    };
    spy(app.broker, 'read');
    spy(app.repos.messages, 'listMessages');
    const sent = [];
    for (let i = 0; i < 5; i++) {
      sent.push(await sendText(server.base, a.token, b.id, `live ${i}`));
      await client.received(i + 2);
    }
    assert.deepEqual(client.ids().slice(1), sent.map(m => m.id));
    assert.deepEqual(reads, []);
    client.close();
  });

  it('queues messages for an offline user and delivers them in seq order on connect', async () => {
    const { a, b } = await pair();
    const sent = [];
    for (let i = 1; i <= 7; i++) sent.push(await sendText(server.base, a.token, b.id, `m${i}`));
    assert.deepEqual(sent.map(m => m.seq), [ 1, 2, 3, 4, 5, 6, 7 ]);
    const client = await connect(server.port, b.token);
    const frames = await client.received(7);
    assert.deepEqual(frames.map(f => f.data), sent);
    client.close();
  });

  it('sends again what a socket received but did not confirm (terminated before its pong), never twice after a pong', async () => {
    const { a, b } = await pair();
    const first = await connect(server.port, b.token, { autoPong: false });
    const m1 = await sendText(server.base, a.token, b.id, 'one');
    await first.received(1);
    await first.until(() => first.pings > 0, 'a ping after the frame');
    first.close(); // dies before answering the ping
    const second = await connect(server.port, b.token);
    assert.deepEqual((await second.received(1))[0].data, m1, 'the unconfirmed frame comes again');
    await second.until(() => second.pings > 0, 'the ping after the catch-up');
    // The pong confirms m1: wait until the cursor moved, then reconnect: nothing twice.
    for (let i = 0; i < 50 && (await cursorOf(b.id, sidOf(b.token))) === '0-0'; i++) await sleep(50);
    second.close();
    const third = await connect(server.port, b.token);
    const m2 = await sendText(server.base, a.token, b.id, 'two');
    const frames = await third.received(1);
    await sleep(200);
    assert.deepEqual(third.of('singleChat').map(f => f.data), [ m2 ]);
    assert.deepEqual(frames[0].data, m2);
    third.close();
  });

  it('a new session starts at the furthest cursor: offline messages reach the next login, read ones do not flood a new device', async () => {
    const { a, b } = await pair();
    const m1 = await sendText(server.base, a.token, b.id, 'unread');
    // b logs in on a new device: m1 reached no device yet, so it comes.
    const tablet = await device(b);
    const c1 = await connect(server.port, tablet);
    assert.deepEqual((await c1.received(1))[0].data, m1);
    for (let i = 0; i < 50 && (await cursorOf(b.id, sidOf(tablet))) === '0-0'; i++) await sleep(50);
    c1.close();
    // Read on the tablet: a device logging in now starts after it.
    const laptop = await device(b);
    const c2 = await connect(server.port, laptop);
    const m2 = await sendText(server.base, a.token, b.id, 'after');
    await c2.received(1);
    await sleep(200);
    assert.deepEqual(c2.of('singleChat').map(f => f.data), [ m2 ]);
    c2.close();
  });

  it('chatGetmessageOffLine answers "ok" and sends only entries after the last one sent on the socket', async () => {
    const { a, b } = await pair();
    const client = await connect(server.port, b.token);
    await sendText(server.base, a.token, b.id, 'x');
    await client.received(1);
    const res = await call(server.base, 'POST', '/api/chat/chatGetmessageOffLine', b.token);
    assert.deepEqual([ res.status, res.body ], [ 200, { msg: 'ok', data: 'ok' }]);
    await sleep(300);
    assert.equal(client.of('singleChat').length, 1);
    client.close();
  });

  it('logout closes that session\'s sockets with the fail frame and 4001 at once (by its event); other sessions stay', async () => {
    mm(app.config.im.messaging, 'heartbeatMs', 600000); // no periodic check: only the event can close it
    const { b } = await pair();
    const other = await device(b);
    const c1 = await connect(server.port, b.token);
    const c2 = await connect(server.port, other);
    await logout(b.token).expect(200);
    const closed = await c1.closedWithin();
    assert.deepEqual(closed, { code: 4001, clean: true });
    assert.deepEqual(c1.frames.at(-1), { msg: 'fail', data: 'Token 令牌不合法！' });
    await sleep(200);
    assert.equal(c2.ws.readyState, c2.ws.OPEN);
    c2.close();
  });

  it('bounds the inbox at INBOX_MAX entries (oldest go first) and trims what every recent session confirmed', async () => {
    const { a, b } = await pair();
    mm(app.config.im.messaging, 'inboxMax', 5);
    const sent = [];
    for (let i = 0; i < 8; i++) sent.push(await sendText(server.base, a.token, b.id, `m${i}`));
    assert.equal(await app.redis.xlen(`im:inbox:{${b.id}}`), 5);
    const client = await connect(server.port, b.token);
    const frames = await client.received(5);
    assert.deepEqual(frames.map(f => f.data.id), sent.slice(3).map(m => m.id));
    // Confirmed by the only session: the entries go but the last (history keeps them in MySQL).
    for (let i = 0; i < 50 && (await app.redis.xlen(`im:inbox:{${b.id}}`)) > 1; i++) await sleep(50);
    assert.equal(await app.redis.xlen(`im:inbox:{${b.id}}`), 1);
    assert.equal(await app.model.Message.count(), 8);
    client.close();
  });

  it('keeps entries a recently seen session has not confirmed yet', async () => {
    const { a, b } = await pair();
    const phone = await device(b); // seen at login, at the inbox start
    const client = await connect(server.port, b.token);
    await sendText(server.base, a.token, b.id, 'for both');
    await client.received(1);
    for (let i = 0; i < 20 && (await cursorOf(b.id, sidOf(b.token))) === '0-0'; i++) await sleep(50);
    assert.equal(await app.redis.xlen(`im:inbox:{${b.id}}`), 1, 'the phone has not read it');
    const later = await connect(server.port, phone);
    assert.equal((await later.received(1))[0].data.data, '{"data":"for both","dataType":false,"otherData":null}');
    later.close();
    client.close();
  });

  it('a session not seen for 7 days no longer holds entries back; entries older than INBOX_TTL go', async () => {
    const { a, b } = await pair();
    const phone = await device(b);
    await app.redis.hset(`im:cur:{${b.id}}`, `seen:${sidOf(phone)}`, Date.now() - 8 * 86400000);
    const client = await connect(server.port, b.token);
    await sendText(server.base, a.token, b.id, 'one');
    await sendText(server.base, a.token, b.id, 'two');
    await client.received(2);
    for (let i = 0; i < 50 && (await app.redis.xlen(`im:inbox:{${b.id}}`)) > 1; i++) await sleep(50);
    assert.equal(await app.redis.xlen(`im:inbox:{${b.id}}`), 1, 'trimmed although the phone never read them');
    client.close();

    mm(app.config.im.messaging, 'inboxTtl', 1);
    const { a: c, b: d } = await friends('carol001', 'dave0001');
    await sendText(server.base, c.token, d.id, 'old');
    await sleep(1100);
    const fresh = await sendText(server.base, c.token, d.id, 'fresh');
    const entries = await app.redis.xrange(`im:inbox:{${d.id}}`, '-', '+');
    assert.deepEqual(entries.map(([ , fields ]) => fields[fields.indexOf('id') + 1]), [ fresh.id ]);
  });

  it('sync copies only when the sender has another session', async () => {
    const { a, b } = await pair();
    await sendText(server.base, a.token, b.id, 'one session');
    assert.equal(await app.redis.exists(`im:inbox:{${a.id}}`), 0);
    await device(a);
    await sendText(server.base, a.token, b.id, 'two sessions');
    assert.equal(await app.redis.xlen(`im:inbox:{${a.id}}`), 1);
  });

  it('a failure inside the send (Redis append) answers 503, stores nothing and delivers nothing', async () => {
    const { a, b } = await pair();
    const client = await connect(server.port, b.token);
    mm(app.broker, 'append', async () => { throw new Error('Connection is closed.'); });
    const res = await call(server.base, 'POST', '/api/chat/socket/sendmessage', a.token, textBody(b.id, 'lost?'));
    assert.deepEqual([ res.status, res.body ], [ 503, { msg: 'fail', data: '服务暂不可用，请稍后再试' }]);
    mm.restore();
    assert.equal(await app.model.Message.count(), 0);
    const ok = await sendText(server.base, a.token, b.id, 'after');
    assert.equal(ok.seq, 1, 'the failed send took no seq');
    await client.received(1);
    await sleep(200);
    assert.deepEqual(client.ids(), [ ok.id ]);
    client.close();
  });

  it('storeSystemNotice (for autoAddFriendAndAgree): stored in the caller\'s transaction, delivered after commit, data an object, no sync copy; nothing on rollback', async () => {
    const { a, b } = await pair();
    await device(a);
    const client = await connect(server.port, b.token);
    const ctx = app.mockContext();
    const data = { data: '我们已经是好友了，可以开始聊天了', dataType: false, otherData: null };
    await assert.rejects(app.model.transaction(async transaction => {
      await ctx.service.messaging.chat.storeSystemNotice(transaction, { fromId: a.id, toId: b.id, data });
      throw new Error('rolled back');
    }), /rolled back/);
    const notice = await app.model.transaction(transaction => ctx.service.messaging.chat.storeSystemNotice(transaction, { fromId: a.id, toId: b.id, data }));
    assert.deepEqual({ type: notice.type, data: notice.data, seq: notice.seq }, { type: 'systemNotice', data, seq: 1 });
    const frames = await client.received(1);
    await sleep(200);
    assert.deepEqual(frames.map(f => f.data), [ notice ]);
    assert.equal(await app.redis.exists(`im:inbox:{${a.id}}`), 0, 'no sync copy');
    const [ stored ] = (await call(server.base, 'GET', `/api/chat/history/${a.id}`, b.token)).body.data;
    assert.deepEqual(stored, notice);
    client.close();
  });
});
