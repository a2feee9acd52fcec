// The hub over fake sockets and the in-memory broker (no app, no Redis, no MySQL): what the
// process does with a session's sockets (README "Messaging"): delivery from events, the open
// number rule (the newest registered socket of a session is the only active one; the next
// newest takes over when it closes), the close codes of the disconnect table, 4008 and 1009.
import { strict as assert } from 'node:assert';
import { Server, createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import WebSocket from 'ws';
import { DISCONNECTS, disconnectOf, terminalDisconnectFor } from '../../../app/lib/messaging/disconnects';
import { Hub } from '../../../app/realtime/hub';
import { FakeSocket, fakeDeps, until } from './fakes';

const UID = 7;
const notices = (ws: FakeSocket) => ws.frames.filter(f => f.type === 'singleChat').map(f => f.data.n);

describe('realtime Hub (unit, fake sockets, in-memory broker)', () => {
  let hub: Hub;
  let deps: ReturnType<typeof fakeDeps>;

  beforeEach(async () => {
    deps = fakeDeps();
    hub = new Hub(deps);
    hub.start();
    await deps.broker.sessionOpened(UID, 's1', []);
  });

  afterEach(() => hub.stop(0));

  async function open(sid = 's1', autoPong = true) {
    const ws = new FakeSocket(autoPong);
    await hub.accept(ws.asWs(), UID, sid, Math.floor(Date.now() / 1000) + 3600, 'zh-CN');
    return ws;
  }

  it('welcomes a socket, is healthy, and delivers a notice from its event without reading the inbox', async () => {
    assert.equal(hub.healthy, true);
    const ws = await open();
    assert.deepEqual(ws.frames[0], { type: 'system', data: 'messaging.frame.welcome', timestamp: ws.frames[0].timestamp });
    let reads = 0;
    const read = deps.broker.read.bind(deps.broker);
    deps.broker.read = async (...args) => { reads++; return read(...args); };
    await deps.broker.notify(UID, { n: 1 });
    await until(() => notices(ws).length === 1, 'the notice');
    assert.deepEqual(notices(ws), [ 1 ]);
    assert.equal(reads, 0);
  });

  it('entries announced together reach the socket in inbox order from one event per user, without reading the inbox', async () => {
    const ws = await open();
    let reads = 0;
    const read = deps.broker.read.bind(deps.broker);
    deps.broker.read = async (...args) => { reads++; return read(...args); };
    const published: string[] = [];
    const publish = deps.broker.publish.bind(deps.broker);
    deps.broker.publish = async (uid, event) => { published.push(`${uid}:${event.t}`); return publish(uid, event); };
    const queued = [];
    for (const n of [ 1, 2, 3 ]) queued.push(await deps.broker.append(UID, { kind: 'n', inline: JSON.stringify({ n }) }, { n }));
    queued.push(await deps.broker.append(UID + 1, { kind: 'n', inline: JSON.stringify({ n: 9 }) }, { n: 9 }));
    await deps.broker.announce(queued);
    assert.deepEqual(published, [ `${UID}:entries`, `${UID + 1}:entry` ]);
    await until(() => notices(ws).length === 3, 'the three notices');
    assert.deepEqual(notices(ws), [ 1, 2, 3 ]);
    assert.equal(reads, 0);
  });

  it('the newest registered socket of a session is the only active one; when it closes the next newest becomes active and goes on from the confirmed cursor', async () => {
    const first = await open();
    await deps.broker.notify(UID, { n: 1 });
    await until(() => notices(first).length === 1, 'the first notice');
    const second = await open();
    await until(() => deps.broker.published.some(p => p.event.t === 'open'), 'the open event');
    await deps.broker.notify(UID, { n: 2 });
    await until(() => notices(second).includes(2), 'the second notice on the newest socket');
    assert.deepEqual(notices(first), [ 1 ], 'the older socket is passive');
    const lastEntry = deps.broker.published.filter(p => p.event.t === 'entry').at(-1)!.event as { e: string };
    await until(() => deps.broker.cursorOf(UID, 's1') === lastEntry.e, 'the pong confirming it');
    assert.equal(first.readyState, 1, 'and stays open');
    second.terminate();
    await until(() => deps.broker.published.some(p => p.event.t === 'promote'), 'the promote event');
    await deps.broker.notify(UID, { n: 3 });
    await until(() => notices(first).includes(3), 'the third notice on the promoted socket');
    assert.deepEqual(notices(first), [ 1, 3 ], 'nothing the closed socket confirmed comes again');
  });

  it('a socket whose open number is below one already seen starts passive, even when its registration answers last', async () => {
    const register = deps.broker.socketOpened.bind(deps.broker);
    let release!: () => void;
    const gate = new Promise<void>(resolve => { release = resolve; });
    let calls = 0;
    deps.broker.socketOpened = async (...args) => {
      const answer = await register(...args);
      if (++calls === 1) await gate; // the first socket learns its open number after the second
      return answer;
    };
    const first = new FakeSocket(true);
    const firstAccepted = hub.accept(first.asWs(), UID, 's1', Math.floor(Date.now() / 1000) + 3600, 'zh-CN');
    await until(() => calls === 1, 'the first registration');
    const second = await open();
    release();
    await firstAccepted;
    await deps.broker.notify(UID, { n: 1 });
    await until(() => notices(second).length === 1, 'the notice on the newest socket');
    assert.deepEqual(notices(first), []);
    assert.equal(first.readyState, 1);
  });

  it('sessions that are over close with the frame and code of the disconnect table; other sessions stay', async () => {
    await deps.broker.sessionOpened(UID, 's2', []);
    await deps.broker.sessionOpened(UID, 's3', []);
    const replaced = await open('s1');
    const loggedOut = await open('s2');
    const other = await open('s3');
    await deps.broker.endSessions(UID, [ 's1' ], DISCONNECTS.replaced.code);
    await deps.broker.endSessions(UID, [ 's2' ], DISCONNECTS.unauthenticated.code);
    await until(() => replaced.closeCode !== undefined && loggedOut.closeCode !== undefined, 'the closes');
    assert.equal(replaced.closeCode, 4004);
    assert.deepEqual(replaced.frames.at(-1), { msg: 'force_logout', data: 'messaging.frame.forceLogout' });
    assert.equal(loggedOut.closeCode, 4001);
    assert.deepEqual(loggedOut.frames.at(-1), { msg: 'fail', data: 'error.tokenInvalid' });
    assert.equal(other.readyState, 1);
    await deps.broker.publish(UID, { t: 'user', c: DISCONNECTS.disabled.code });
    await until(() => other.closeCode !== undefined, 'the disabled user\'s socket');
    assert.deepEqual([ other.closeCode, other.frames.at(-1) ], [ 4003, { msg: 'fail', data: 'error.userDisabled' }]);
  });

  it('a session found over at registration closes 4001', async () => {
    await deps.broker.endSessions(UID, [ 's1' ], DISCONNECTS.unauthenticated.code);
    const ws = await open();
    assert.equal(ws.closeCode, 4001);
  });

  it('more than clientFrameLimit client frames in the window close 4008 with no frame before it', async () => {
    const ws = await open();
    const before = ws.sent.length;
    for (let i = 0; i <= deps.settings.clientFrameLimit; i++) ws.message('hello');
    assert.equal(ws.closeCode, 4008);
    assert.equal(ws.sent.length, before);
  });

  it('a dependency that is unreachable drops every socket (no close frame) and refuses handshakes until it answers', async () => {
    const ws = await open();
    let down = true;
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    deps.probes = () => [ Promise.resolve(), down ? Promise.reject(refused) : Promise.resolve() ];
    await (hub as any).checkDependencies();
    assert.equal(ws.terminated, true);
    assert.equal(ws.closeCode, undefined);
    assert.equal(hub.healthy, false);
    down = false;
    await (hub as any).checkDependencies();
    assert.equal(hub.healthy, true);
  });

  it('a client frame over maxFrameBytes is closed 1009 (by ws, with the hub\'s limit)', async () => {
    const server: Server = createServer();
    server.on('upgrade', (req, socket, head) => hub.wss.handleUpgrade(req, socket, head, ws => {
      void hub.accept(ws, UID, 's1', Math.floor(Date.now() / 1000) + 3600, 'zh-CN');
    }));
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
    try {
      const client = new WebSocket(`ws://127.0.0.1:${(server.address() as AddressInfo).port}/ws`);
      const welcomed = new Promise(resolve => client.once('message', resolve));
      const closed = new Promise<number>(resolve => client.on('close', resolve));
      await welcomed;
      client.send('x'.repeat(deps.settings.maxFrameBytes + 1));
      assert.equal(await closed, 1009);
    } finally {
      server.close();
    }
  });

  it('many sockets closing at once write each release once or twice, not once per close per kept socket', async () => {
    const COUNT = 400;
    const sockets: FakeSocket[] = [];
    for (let i = 0; i < COUNT; i++) {
      await deps.broker.sessionOpened(UID + 1 + i, `m${i}`, []);
      const ws = new FakeSocket(true);
      await hub.accept(ws.asWs(), UID + 1 + i, `m${i}`, Math.floor(Date.now() / 1000) + 3600, 'zh-CN');
      sockets.push(ws);
    }
    const counted = { writes: 0 };
    for (const name of [ 'ack', 'releaseHold' ] as const) {
      const original = (deps.broker[name] as (...args: any[]) => Promise<void>).bind(deps.broker);
      (deps.broker as any)[name] = async (...args: any[]) => {
        counted.writes++;
        await new Promise(resolve => setImmediate(resolve)); // a round trip: later closes arrive meanwhile
        return original(...args);
      };
    }
    for (const ws of sockets) ws.terminate();
    await until(() => (hub as any).unreleased.size === 0, 'every release written');
    const { writes } = counted;
    assert.ok(writes >= COUNT && writes <= 2 * COUNT, `${writes} writes for ${COUNT} closes`);
  });

  it('the disconnect table: one row per code, metrics labels, terminal rows carry their frame', () => {
    assert.equal(disconnectOf(4004)?.reason, 'replaced');
    assert.equal(disconnectOf(1009)?.reason, 'frame_too_big');
    assert.equal(disconnectOf(4999), undefined);
    assert.equal(terminalDisconnectFor('error.tokenExpired').code, 4002);
    assert.equal(terminalDisconnectFor('error.userDisabled').code, 4003);
    assert.equal(terminalDisconnectFor('error.tokenMissing').code, 4001);
    for (const row of Object.values(DISCONNECTS)) assert.equal(row.terminal, 'frame' in row && row.frame.key !== undefined);
  });
});
