// CONTRACT-messaging §6: the production build in Egg's cluster mode (egg-scripts, 2 workers,
// test/productionCluster.ts), each worker with its own sockets and channel prefix.
import { strict as assert } from 'node:assert';
import { app } from 'egg-mock/bootstrap';
import { insertUsers, PASSWORD } from '../../helpers';
import { testPort } from '../../ports';
import { productionCluster } from '../../productionCluster';
import { Client, befriend, call, sendMessage, sleep, textBody } from './support';
import { makeGroup, sendGroup } from '../groups/messageSupport';

const PORT = testPort(7152);
const BASE = `http://127.0.0.1:${PORT}`;

describe('messaging on 2 worker processes (egg-scripts, production build)', function() {
  this.timeout(180000);
  const cluster = productionCluster('messaging-cluster', PORT, {
    MSG_CHANNEL_PREFIX: `im:cluster${process.pid}:ev:`, WS_MAX_PER_SESSION: '20', WS_CONNECT_LIMIT_IP: '100000',
    MSG_RATE_LIMIT: '100000', LOGIN_FAIL_LIMIT_IP: '100000',
  });

  const login = async (username: string) => {
    const res = await call(BASE, 'POST', '/api/loginChat', undefined, { username, password: PASSWORD });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body.data.token as string;
  };

  const workerOf = (requestIds: string[]) => cluster.workerOf(requestIds);

  let socketSeq = 0;
  async function open(token: string) {
    const rid = `cluster-${process.pid}-${++socketSeq}`;
    const client = new Client(`ws://127.0.0.1:${PORT}/ws?token=${token}`, { headers: { 'X-Request-Id': rid } });
    await client.opened;
    await client.until(() => client.frames.some(f => f?.type === 'system'), 'welcome');
    return { client, rid };
  }

  /** Sockets of `token`'s session until two workers hold some; returns them with their worker pids. */
  async function spread(token: string) {
    const sockets: Array<{ client: Client; rid: string; pid?: number }> = [];
    for (let i = 0; i < 12; i++) {
      sockets.push(await open(token));
      if (sockets.length < 2) continue;
      const pids = await workerOf(sockets.map(s => s.rid));
      sockets.forEach(s => { s.pid = pids.get(s.rid); });
      if (new Set(pids.values()).size === 2) return sockets;
    }
    throw new Error('every socket landed on the same worker');
  }

  async function users() {
    const [ a, b ] = await insertUsers([{ username: 'cluster_a' }, { username: 'cluster_b' }]);
    await befriend(a.id, b.id);
    return { a, b };
  }

  it('delivers to the recipient\'s sockets on both workers, and a logout closes the session\'s sockets on both (4001)', async () => {
    const { a, b } = await users();
    const sender = await login('cluster_a');
    // One socket per session, until sessions sit on both workers.
    const sessions: Array<{ client: Client; rid: string; token: string }> = [];
    for (let i = 0; i < 12 && new Set((await workerOf(sessions.map(s => s.rid))).values()).size < 2; i++) {
      const token = await login('cluster_b');
      sessions.push({ ...(await open(token)), token });
    }
    const message = (await sendMessage(BASE, sender, textBody(b.id, 'to every worker'))).body.data;
    for (const { client } of sessions) assert.deepEqual((await client.received(1))[0].data, message);

    // One session with sockets on both workers: its logout reaches both.
    const token = await login('cluster_b');
    const sockets = await spread(token);
    assert.equal((await call(BASE, 'POST', '/api/chat/logout', token)).status, 200);
    for (const { client } of sockets) {
      assert.deepEqual(await client.closedWithin(), { code: 4001, clean: true });
      assert.deepEqual(client.frames.at(-1), { msg: 'fail', data: 'Token 令牌不合法！' });
    }
    for (const { client } of sessions) client.close();
    assert.equal(a.id + 1, b.id);
  });

  it('a group message reaches every member\'s sessions on both workers once, and the sender\'s other session as singleChatSync (CONTRACT-groups §B)', async () => {
    const [ a, b, c ] = await insertUsers([{ username: 'cluster_a' }, { username: 'cluster_b' }, { username: 'cluster_c' }]);
    // Made by this test process: the create notice (seq 1) waits in the inboxes, sockets catch it up on connect.
    const member = (u: typeof a) => ({ id: u.id, username: u.username, token: '' });
    const group = await makeGroup(member(a), [ member(b), member(c) ], 'cluster group');
    const sender = await login('cluster_a');
    const senderOther = await open(await login('cluster_a'));
    const members = [ await open(await login('cluster_c')) ];
    for (let i = 0; i < 12 && new Set((await workerOf(members.map(s => s.rid))).values()).size < 2; i++) {
      members.push(await open(await login('cluster_b')));
    }
    for (const { client } of members) assert.equal((await client.received(1))[0].data.seq, 1);
    const res = await sendGroup(BASE, sender, group.id, 'to the group on every worker');
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const message = res.body.data;
    assert.equal(message.seq, 2);
    for (const { client } of members) assert.deepEqual((await client.received(2))[1].data, message);
    assert.deepEqual((await senderOther.client.received(1, 'singleChatSync'))[0].data, message);
    await sleep(500);
    for (const { client } of members) assert.equal(client.of().length, 2, 'exactly once per session');
    for (const { client } of [ ...members, senderOther ]) client.close();
  });

  it('2 and 8 sockets of one session opened 0-2 ms apart across both workers: exactly one active, it gets the next message (CONTRACT-client-behaviour §2)', async () => {
    const { b } = await users();
    const sender = await login('cluster_a');
    let crossed = 0;
    for (const count of [ 2, 8 ]) {
      for (let round = 0; round < 8 && crossed < (count === 2 ? 1 : 2); round++) {
        const token = await login('cluster_b');
        const sockets: Array<{ client: Client; rid: string }> = [];
        for (let i = 0; i < count; i++) {
          const rid = `cluster-${process.pid}-${++socketSeq}`;
          sockets.push({ client: new Client(`ws://127.0.0.1:${PORT}/ws?token=${token}`, { headers: { 'X-Request-Id': rid } }), rid });
          if (i % 2) await sleep(i % 3); // 0, 1 or 2 ms apart
        }
        for (const { client } of sockets) {
          await client.opened;
          await client.until(() => client.frames.some(f => f?.type === 'system'), 'welcome');
        }
        const pids = await workerOf(sockets.map(s => s.rid));
        if (new Set(pids.values()).size === 2) crossed++;
        await sleep(300);
        const text = `to ${count} sockets, round ${round}`;
        await sendMessage(BASE, sender, textBody(b.id, text));
        await Promise.race(sockets.map(({ client }) => client.received(1)));
        await sleep(500);
        const got = sockets.map(({ client }) => client.of().length);
        assert.deepEqual(got.filter(n => n > 0), [ 1 ], `sockets that received: ${JSON.stringify(got)}`);
        for (const { client } of sockets) {
          assert.equal(client.ws.readyState, client.ws.OPEN);
          client.close();
        }
      }
    }
    assert.ok(crossed >= 2, 'some rounds had sockets on both workers');
  });

  it('one worker SIGKILLed during a stream of sends: every message that got a 200 reaches the recipient after reconnect, no message doubled', async () => {
    const { b } = await users();
    const sender = await login('cluster_a');
    const token = await login('cluster_b');
    const received: string[] = [];
    let socket = await open(token);
    const [ pid ] = (await workerOf([ socket.rid ])).values();
    let reconnects = 0;
    let stop = false;
    // Like the course client: on 1006 reconnect (here at once, then every 100 ms).
    const keep = (async () => {
      for (;;) {
        const { client } = socket;
        client.ws.on('message', () => undefined);
        const closed = await client.closed;
        received.push(...client.ids());
        if (stop) return;
        assert.equal(closed.code, 1006);
        for (;;) {
          try {
            socket = await open(token);
            reconnects++;
            break;
          } catch {
            await sleep(100);
          }
        }
      }
    })();

    // 60 messages, each retried with its client_msg_id until it gets a 200.
    const ok = new Map<string, string>();
    for (let i = 0; i < 60; i++) {
      if (i === 20) process.kill(pid, 'SIGKILL');
      const clientMsgId = `stream-${i}`;
      const body = textBody(b.id, `stream ${i}`, { client_msg_id: clientMsgId });
      for (let attempt = 0; !ok.has(clientMsgId); attempt++) {
        const res = await sendMessage(BASE, sender, body).catch(() => null);
        if (res?.status === 200) ok.set(clientMsgId, res.body.data.id);
        else await sleep(100);
        assert.ok(attempt < 100, `send ${i} never got a 200`);
      }
    }
    const expected = [ ...ok.values() ];
    await socket.client.until(() => expected.every(id => received.includes(id) || socket.client.ids().includes(id)), 'every message', 20000);
    stop = true;
    socket.client.close();
    await keep;
    assert.ok(reconnects >= 1, 'the socket on the killed worker reconnected');
    assert.deepEqual([ ...new Set(received) ].sort(), [ ...expected ].sort(), 'every 200 reached the recipient, nothing else');
    assert.equal(await app.model.Message.count({ where: { to_id: b.id } }), 60, 'one message per client_msg_id');
    // At least once per session: only frames sent and not yet confirmed when the worker died come twice (≤ one batch).
    assert.ok(received.length - expected.length <= app.config.im.messaging.batch, `${received.length - expected.length} duplicates`);
  });
});

