import { strict as assert } from 'node:assert';
import { app, mm } from 'egg-mock/bootstrap';
import { AUTH_FAILURES, login, register } from '../../helpers';
import { Hub } from '../../../app/realtime/hub';
import { Client, befriend, call, connect, device, listen, sendText, sidOf, sleep, TOKEN_INVALID, user, WELCOME } from './support';

describe('WebSocket /ws (CONTRACT-messaging §1)', () => {
  const server = listen();
  const url = (token: string, path = '/ws') => `ws://127.0.0.1:${server.port}${path}?token=${encodeURIComponent(token)}`;

  // CONTRACT: every failure of the HTTP check completes the handshake, then the fail frame and a close code.
  const CODES: Record<string, number> = { 401: 4001, 403: 4003 };
  for (const failure of AUTH_FAILURES) {
    it(`${failure.title}: 101, {"msg":"fail","data":"${failure.reason}"}, close ${failure.reason.includes('过期') ? 4002 : CODES[failure.status]}`, async () => {
      const me = await user('socket01');
      const headers = await failure.prepare({ id: me.id, token: me.token });
      const client = new Client(`ws://127.0.0.1:${server.port}/ws`, { headers });
      await client.opened;
      const closed = await client.closed;
      assert.deepEqual(client.frames, [{ msg: 'fail', data: failure.reason }]);
      assert.equal(closed.code, failure.reason.includes('过期') ? 4002 : CODES[failure.status]);
    });
  }

  it('takes the token from ?token=, the token header and Authorization: Bearer', async () => {
    const me = await user('socket01');
    for (const client of [
      new Client(url(me.token)),
      new Client(`ws://127.0.0.1:${server.port}/ws`, { headers: { token: me.token } }),
      new Client(`ws://127.0.0.1:${server.port}/ws`, { headers: { Authorization: `Bearer ${me.token}` } }),
    ]) {
      await client.opened;
      await client.until(() => client.frames.length > 0, 'welcome');
      assert.deepEqual(Object.keys(client.frames[0]), [ 'type', 'data', 'timestamp' ]);
      assert.equal(client.frames[0].type, 'system');
      assert.equal(client.frames[0].data, WELCOME);
      client.close();
    }
  });

  it('is open to visitors: a visitor\'s socket gets what is sent to it', async () => {
    const visitor = await user('VISvisit01', { username: 'VISvisit01', role: 'visitor' });
    const other = await user('socket01');
    const client = await connect(server.port, visitor.token);
    const message = await sendText(server.base, other.token, visitor.id, 'hello visitor');
    assert.deepEqual((await client.received(1))[0].data, message);
    client.close();
  });

  it('a bad ?token= fails even when a good header is sent too (the query wins), 4001', async () => {
    const me = await user('socket01');
    const client = new Client(url('garbage'), { headers: { token: me.token } });
    assert.equal((await client.closed).code, 4001);
    assert.deepEqual(client.frames, [{ msg: 'fail', data: 'Token 令牌不合法！' }]);
  });

  it('answers 404 (envelope, no upgrade) on another path, 426 to GET /ws without Upgrade', async () => {
    const me = await user('socket01');
    const other = new Client(url(me.token, '/api/ws'));
    await assert.rejects(other.opened);
    const refused = await other.refused!;
    assert.deepEqual([ refused.status, refused.body ], [ 404, { msg: 'fail', data: '404 错误' }]);
    const plain = await call(server.base, 'GET', '/ws');
    assert.deepEqual([ plain.status, plain.body ], [ 426, { msg: 'fail', data: '请使用 WebSocket 连接' }]);
    assert.equal((await call(server.base, 'POST', '/ws')).status, 404);
  });

  it('429 after WS_CONNECT_LIMIT_IP handshakes a minute from one IP, counted before the token; a live session\'s token still passes', async () => {
    mm(app.config.im.messaging, 'wsConnectLimitIp', 2);
    const me = await user('socket01');
    const bad = new Client(url('garbage'));
    await bad.closed;
    const good = await connect(server.port, me.token);
    // CONTRACT-client-behaviour §2: a refused handshake feeds the client's reconnect storm.
    const over = await connect(server.port, me.token);
    const third = new Client(url('garbage'));
    await assert.rejects(third.opened);
    const refused = await third.refused!;
    assert.deepEqual([ refused.status, refused.body ], [ 429, { msg: 'fail', data: '请求过于频繁，请稍后再试' }]);
    assert.ok(Number(refused.headers['retry-after']) >= 1);
    good.close();
    over.close();
  });

  it('503 when the process holds WS_MAX_PER_PROCESS sockets', async () => {
    mm(app.config.im.messaging, 'wsMaxPerProcess', 1);
    const me = await user('socket01');
    const first = await connect(server.port, me.token);
    const second = new Client(url(me.token));
    await assert.rejects(second.opened);
    assert.deepEqual((await second.refused!).body, { msg: 'fail', data: '服务暂不可用，请稍后再试' });
    first.close();
  });

  it('answers JSON ping and text ping with a pong frame; other frames are ignored', async () => {
    const me = await user('socket01');
    const client = await connect(server.port, me.token);
    client.ws.send(JSON.stringify({ type: 'ping', token: me.token, timestamp: 1 }));
    client.ws.send('ping');
    client.ws.send('{"type":"chat","data":"ignored"}');
    await client.received(2, 'pong');
    const pong = client.of('pong')[0];
    assert.deepEqual(Object.keys(pong), [ 'type', 'timestamp' ]);
    await sleep(200);
    assert.equal(client.frames.length, 3);
    client.close();
  });

  it('4008 after more than 20 client frames in 10 s; 1009 for a frame over 4 KB', async () => {
    const me = await user('socket01');
    const chatty = await connect(server.port, me.token);
    for (let i = 0; i < 21; i++) chatty.ws.send('hello');
    assert.equal((await chatty.closed).code, 4008);
    assert.deepEqual(chatty.frames.map(f => f.type), [ 'system' ], 'no frame before the code');
    const big = await connect(server.port, me.token);
    big.ws.send('x'.repeat(4097));
    assert.equal((await big.closed).code, 1009);
  });

  it('a login with SESSION_POLICY=single closes the older sessions\' sockets at once: force_logout frame, 4004', async () => {
    mm(app.config.im.messaging, 'heartbeatMs', 600000); // no periodic check: only the event can close it
    await register('single01');
    const old = await login('single01');
    const client = await connect(server.port, old.token);
    mm(app.config.im.session, 'policy', 'single');
    await login('single01');
    const closed = await client.closedWithin();
    assert.deepEqual(closed, { code: 4004, clean: true });
    assert.deepEqual(client.frames.at(-1), { msg: 'force_logout', data: '你的账号在其他设备登录' });
  });

  it('SESSION_MAX eviction closes the evicted session\'s sockets with 4004', async () => {
    mm(app.config.im.messaging, 'heartbeatMs', 600000);
    mm(app.config.im.session, 'max', 1);
    await register('evict001');
    const first = await login('evict001');
    const client = await connect(server.port, first.token);
    await login('evict001');
    assert.equal((await client.closedWithin()).code, 4004);
  });

  it('a second socket of one session becomes the active one; the older gets only pings and stays open', async () => {
    const a = await user('sender01');
    const b = await user('receiver1');
    await befriend(a.id, b.id);
    const older = await connect(server.port, b.token);
    const newer = await connect(server.port, b.token);
    await sleep(100);
    await sendText(server.base, a.token, b.id, 'to the newer');
    await newer.received(1);
    await sleep(200);
    assert.equal(older.of('singleChat').length, 0);
    assert.equal(older.ws.readyState, older.ws.OPEN);
    older.close();
    newer.close();
  });

  it('beyond WS_MAX_PER_SESSION sockets of one session the oldest is dropped without a close frame', async () => {
    mm(app.config.im.messaging, 'wsMaxPerSession', 2);
    const me = await user('socket01');
    const first = await connect(server.port, me.token);
    const second = await connect(server.port, me.token);
    const third = await connect(server.port, me.token);
    assert.deepEqual(await first.closed, { code: 1006, clean: false });
    await sleep(100);
    assert.equal(second.ws.readyState, second.ws.OPEN);
    second.close();
    third.close();
  });

  it('heartbeat: JSON and protocol pings; a silent socket is dropped (1006); disabled, deleted and expired found by the periodic check', async () => {
    mm(app.config.im.messaging, 'heartbeatMs', 150);
    mm(app.config.im.messaging, 'userCheckMs', 150);
    const me = await user('socket01');
    const alive = await connect(server.port, me.token);
    await alive.until(() => alive.of('ping').length >= 2 && alive.pings >= 2, 'two heartbeats');
    assert.deepEqual(alive.of('ping')[0], { type: 'ping' });

    mm(app.config.im.messaging, 'idleTimeoutMs', 400);
    const silent = await connect(server.port, me.token, { autoPong: false });
    assert.deepEqual(await silent.closed, { code: 1006, clean: false });
    mm(app.config.im.messaging, 'idleTimeoutMs', 60000);

    const disabled = await user('disabled1');
    const c1 = await connect(server.port, disabled.token);
    await app.model.User.update({ status: 0 }, { where: { id: disabled.id } });
    assert.equal((await c1.closed).code, 4003);
    assert.deepEqual(c1.frames.at(-1), { msg: 'fail', data: '当前用户不存在或者已被禁用' });

    const deleted = await user('deleted01');
    const c2 = await connect(server.port, deleted.token);
    await app.model.User.update({ is_deleted: 1 }, { where: { id: deleted.id } });
    assert.equal((await c2.closed).code, 4001);

    const expiring = await user('expire001');
    const token = app.jwt.sign({ id: expiring.id, uuid: expiring.uuid, username: 'expire001', role: 'user', sid: sidOf(expiring.token),
      iat: Math.floor(Date.now() / 1000), exp: Math.floor(Date.now() / 1000) + 1 }, (app.config.jwt as any).secret, { algorithm: 'HS256' });
    const c3 = await connect(server.port, token);
    assert.equal((await c3.closed).code, 4002);
    assert.deepEqual(c3.frames.at(-1), { msg: 'fail', data: 'Token已过期！请重新获取令牌' });
    alive.close();
  });

  it('a session revoked without its event (Redis key removed) is closed by the periodic check: 4001', async () => {
    mm(app.config.im.messaging, 'heartbeatMs', 150);
    const me = await user('socket01');
    const other = await device(me);
    const client = await connect(server.port, me.token);
    await app.redis.zrem(`im:sess:${me.id}`, sidOf(me.token));
    assert.equal((await client.closed).code, 4001);
    const still = await connect(server.port, other);
    still.close();
  });

  // Issue 16 item 4: the handshake checks the session, the user's channel is subscribed later; a
  // logout in between published its event before anyone listened. The hook makes that order certain.
  it('a handshake racing a logout (the logout lands before the channel is subscribed): fail frame, 4001, nothing sent after the logout', async () => {
    mm(app.config.im.messaging, 'heartbeatMs', 600000); // no periodic check: only the socket's own checks can close it
    const sender = await user('racer_a1');
    const me = await user('racer_b1');
    await befriend(sender.id, me.id);
    const add = (Hub.prototype as any).add;
    let hooked = 0;
    mm(Hub.prototype, 'add', async function(this: Hub, conn: { uid: number }) {
      if (conn.uid === me.id && hooked++ === 0) {
        assert.equal((await call(server.base, 'POST', '/api/chat/logout', me.token)).status, 200);
        await sendText(server.base, sender.token, me.id, 'after the logout');
      }
      return add.call(this, conn);
    });
    const client = new Client(url(me.token));
    await client.opened;
    assert.equal((await client.closedWithin(5000)).code, 4001);
    assert.deepEqual(client.frames, [{ msg: 'fail', data: TOKEN_INVALID }]);
    assert.equal(hooked, 1);
  });

  it('the socket-opening script registers no socket and no cursor for a session that is not live', async () => {
    const me = await user('racer_c1');
    const sid = sidOf(me.token);
    assert.equal((await call(server.base, 'POST', '/api/chat/logout', me.token)).status, 200);
    await app.redis.hdel(`im:cur:{${me.id}}`, sid, `seen:${sid}`);
    await assert.rejects(app.broker.socketOpened(me.id, sid, 'socket1'), /session over/);
    assert.deepEqual(await app.redis.hmget(`im:cur:{${me.id}}`, sid, `seen:${sid}`), [ null, null ]);
    assert.deepEqual(await app.redis.zrange(`im:ws:{${me.id}}`, 0, -1), []);
  });

  // Issue 16 item 9: a session's cursor is read by the socket holding it (README "Messaging").
  it('a socket waits while another socket of its session holds the cursor on a live process, and takes over the hold of a process that is gone', async () => {
    mm(app.config.im.messaging, 'healthCheckMs', 100);
    const sender = await user('holder_a1');
    const me = await user('holder_b1');
    await befriend(sender.id, me.id);
    const holds = `im:hold:{${me.id}}`;
    const sid = sidOf(me.token);
    await app.redis.set('im:proc:elsewhere', '1');
    await app.redis.hset(holds, sid, 'other elsewhere');
    const waiting = await connect(server.port, me.token);
    const first = await sendText(server.base, sender.token, me.id, 'held elsewhere');
    await sleep(1000);
    assert.deepEqual(waiting.ids(), [], 'nothing read while a live process holds the cursor');
    await app.redis.hdel(holds, sid); // that process lets go
    await waiting.received(1);
    assert.deepEqual(waiting.ids(), [ first.id ]);
    waiting.close();
    await waiting.closed;

    await app.redis.del('im:proc:elsewhere'); // the process is gone, its hold is not
    await app.redis.hset(holds, sid, 'other elsewhere');
    const next = await connect(server.port, me.token);
    const second = await sendText(server.base, sender.token, me.id, 'taken over');
    await next.received(1);
    assert.deepEqual(next.ids(), [ second.id ]);
    assert.notEqual(await app.redis.hget(holds, sid), 'other elsewhere');
    next.close();
  });
});
