// Connection over a fake socket and a fake host (no app, no Redis): the delivery rules of one
// socket (README "Messaging"): the batch window, pong confirmation, the slow-reader drop,
// passive sockets and the client frame limit.
import { strict as assert } from 'node:assert';
import { Connection, ConnectionHost, Outgoing } from '../../../app/realtime/connection';
import { FakeSocket, SETTINGS, until } from './fakes';

/** A host whose inbox holds `count` entries "1-0", "2-0", …, each a frame naming its id. */
function host(count: number) {
  const inbox: Outgoing[] = Array.from({ length: count }, (_, i) => ({ id: `${i + 1}-0`, frame: JSON.stringify({ type: 'singleChat', data: { id: i + 1 } }) }));
  const reads: string[] = [];
  const acks: string[] = [];
  const handedOver: Connection[] = [];
  const fake: ConnectionHost & { inbox: Outgoing[] } = {
    settings: SETTINGS,
    inbox,
    async read(_conn, after, batch) {
      reads.push(after);
      const start = inbox.findIndex(entry => entry.id === after) + 1;
      return inbox.slice(start, start + batch);
    },
    async ack(_conn, entryId) {
      acks.push(entryId);
    },
    handOver(conn) {
      handedOver.push(conn);
    },
    warn() { /* nothing */ },
  };
  return { fake, reads, acks, handedOver };
}

const frameIds = (ws: FakeSocket) => ws.frames.map(frame => frame.data.id);
const lastPing = (ws: FakeSocket) => ws.pings[ws.pings.length - 1];

describe('realtime Connection (unit, fake socket)', () => {
  it('sends one batch, then nothing more until a pong answers the ping sent after it; the pong saves the cursor and the next batch goes', async () => {
    const { fake, acks } = host(7);
    const ws = new FakeSocket();
    const conn = new Connection(ws.asWs(), 1, 's1', 0, 'zh-CN', fake);
    conn.start('0-0');
    await until(() => ws.pings.length === 1, 'the ping after the first batch');
    assert.deepEqual(frameIds(ws), [ 1, 2, 3 ]);
    await new Promise(resolve => setImmediate(resolve));
    assert.deepEqual(frameIds(ws), [ 1, 2, 3 ], 'no second batch before the pong');
    assert.deepEqual(acks, []);
    ws.pong(lastPing(ws));
    await until(() => ws.pings.length === 2, 'the ping after the second batch');
    assert.deepEqual(acks, [ '3-0' ]);
    assert.deepEqual(frameIds(ws), [ 1, 2, 3, 4, 5, 6 ]);
    ws.pong(lastPing(ws));
    await until(() => ws.pings.length === 3, 'the last batch');
    ws.pong(lastPing(ws));
    await until(() => acks.length === 3, 'the last confirmation');
    assert.deepEqual(acks, [ '3-0', '6-0', '7-0' ]);
    assert.deepEqual(frameIds(ws), [ 1, 2, 3, 4, 5, 6, 7 ]);
    assert.equal(conn.lastConfirmed, '7-0');
  });

  it('a pong that is not the answer to one of its pings confirms nothing, and a pong confirms only what was sent before its ping', async () => {
    const { fake, acks } = host(2);
    const ws = new FakeSocket();
    const conn = new Connection(ws.asWs(), 1, 's1', 0, 'zh-CN', fake);
    conn.ping(); // before anything was sent
    const early = lastPing(ws);
    conn.start('0-0');
    await until(() => ws.pings.length === 2, 'the ping after the batch');
    ws.pong('unsolicited');
    ws.pong(early);
    await new Promise(resolve => setImmediate(resolve));
    assert.deepEqual(acks, []);
    assert.equal(conn.lastConfirmed, null);
    ws.pong(lastPing(ws));
    assert.deepEqual(acks, [ '2-0' ]);
  });

  it('a live entry whose predecessor is the last one sent goes straight from its event; a gap or a full window reads the inbox', async () => {
    const { fake, reads } = host(0);
    const ws = new FakeSocket(true);
    const conn = new Connection(ws.asWs(), 1, 's1', 0, 'zh-CN', fake);
    conn.start('5-0');
    await until(() => reads.length === 1, 'the first catch-up');
    conn.onEntry({ t: 'entry', e: '6-0', p: '5-0', k: 'm', d: { id: 6 } });
    assert.deepEqual(frameIds(ws), [ 6 ]);
    assert.equal(reads.length, 1, 'read nothing for it');
    conn.onEntry({ t: 'entry', e: '8-0', p: '7-0', k: 'm', d: { id: 8 } }); // 7-0 was missed
    await until(() => reads.length === 2, 'a catch-up for the gap');
    assert.deepEqual(frameIds(ws), [ 6 ]);
    conn.onEntry({ t: 'entry', e: '9-0', p: '8-0', k: 's', d: { id: 9 }, o: 's1' });
    assert.equal(ws.sent.length, 1, 'its own session\'s copy is skipped');
  });

  it('a reader slower than maxBufferedBytes is dropped (no close frame) instead of queueing frames', async () => {
    const { fake } = host(3);
    const ws = new FakeSocket();
    ws.bufferedAmount = SETTINGS.maxBufferedBytes + 1;
    const conn = new Connection(ws.asWs(), 1, 's1', 0, 'zh-CN', fake);
    conn.start('0-0');
    await until(() => ws.terminated, 'the drop');
    assert.deepEqual(ws.sent, []);
    assert.equal(ws.closeCode, undefined);
    assert.equal(conn.closed, true);
  });

  it('a passive socket gets no frames and hands its cursor over; activated, it delivers again from start()', async () => {
    const { fake, handedOver } = host(2);
    const ws = new FakeSocket(true);
    const conn = new Connection(ws.asWs(), 1, 's1', 0, 'zh-CN', fake);
    conn.deactivate();
    assert.deepEqual(handedOver, [ conn ]);
    conn.start('0-0');
    conn.onEntry({ t: 'entry', e: '1-0', p: '0-0', k: 'm', d: { id: 1 } });
    await conn.catchUp();
    assert.deepEqual(ws.sent, []);
    assert.equal(conn.activate(), true);
    assert.equal(conn.activate(), false, 'already active');
    conn.start('1-0');
    await until(() => ws.sent.length === 1, 'the entry after the cursor');
    assert.deepEqual(frameIds(ws), [ 2 ]);
  });

  it('client frames: a JSON or text ping is answered; one more than clientFrameLimit within the window is "tooMany", a new window starts over', () => {
    const { fake } = host(0);
    const ws = new FakeSocket();
    const conn = new Connection(ws.asWs(), 1, 's1', 0, 'zh-CN', fake);
    assert.equal(conn.onClientFrame('ping', 1000), 'ok');
    assert.equal(conn.onClientFrame('{"type":"ping"}', 1000), 'ok');
    assert.deepEqual(ws.frames.map(f => f.type), [ 'pong', 'pong' ]);
    for (let i = 2; i < SETTINGS.clientFrameLimit; i++) assert.equal(conn.onClientFrame('x', 1000 + i), 'ok');
    assert.equal(conn.onClientFrame('x', 2000), 'tooMany');
    assert.equal(conn.onClientFrame('x', 1000 + SETTINGS.clientFrameWindowMs), 'ok');
  });

  it('end() sends the last frame, then the close code, once', () => {
    const { fake } = host(0);
    const ws = new FakeSocket();
    const conn = new Connection(ws.asWs(), 1, 's1', 0, 'zh-CN', fake);
    conn.end(4004, '{"msg":"force_logout"}');
    conn.end(4001, '{"msg":"fail"}');
    assert.deepEqual(ws.sent, [ '{"msg":"force_logout"}' ]);
    assert.equal(ws.closeCode, 4004);
  });
});
