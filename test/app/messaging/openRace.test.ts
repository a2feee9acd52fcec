// CONTRACT-client-behaviour §2: two sockets of one session opened together end with exactly one
// active socket, the one whose open Redis registered last, whatever order the processes learn it in.
// The race is made deterministic by holding one socket's registration (broker.socketOpened).
import { strict as assert } from 'node:assert';
import { app, mm } from 'egg-mock/bootstrap';
import { Client, befriend, connect, listen, sendText, sleep, user } from './support';

/** A gate the test opens by hand. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>(resolve => { open = resolve; });
  return { opened, open };
}

/** Exactly one of `clients` receives the next message; returns its index. */
async function onlyOneReceives(base: string, from: string, to: number, clients: Client[], text: string): Promise<number> {
  const before = clients.map(c => c.of('singleChat').length);
  await sendText(base, from, to, text);
  await Promise.race(clients.map((c, i) => c.received(before[i] + 1)));
  await sleep(300); // a second copy would come on the same path, right after
  const got = clients.map((c, i) => c.of('singleChat').length - before[i]);
  assert.equal(got.filter(n => n > 0).length, 1, `sockets that received: ${JSON.stringify(got)}`);
  return got.findIndex(n => n > 0);
}

describe('sockets of one session opened together (CONTRACT-client-behaviour §2)', () => {
  const server = listen();
  const broker = () => app.broker as any;

  async function pair() {
    const a = await user('sender01');
    const b = await user('receiver1');
    await befriend(a.id, b.id);
    return { a, b };
  }

  it('the socket registered last is active even when its registration answers first (the first open held before Redis)', async () => {
    const { a, b } = await pair();
    const original = broker().socketOpened;
    const hold = gate();
    let calls = 0;
    mm(broker(), 'socketOpened', async function(this: unknown, ...args: unknown[]) {
      if (++calls === 1) await hold.opened; // the first socket registers after the second
      return original.apply(this, args);
    });
    const first = new Client(`ws://127.0.0.1:${server.port}/ws?token=${encodeURIComponent(b.token)}`);
    await first.opened;
    await first.until(() => first.frames.some(f => f?.type === 'system'), 'the welcome frame');
    const second = await connect(server.port, b.token);
    await sleep(100);
    hold.open();
    await sleep(200);
    // Registered last: the first socket is the active one; the second stays open, passive.
    assert.equal(await onlyOneReceives(server.base, a.token, b.id, [ first, second ], 'one'), 0);
    assert.equal(second.ws.readyState, second.ws.OPEN);
    first.close();
    second.close();
  });

  it('the socket registered first stays passive even when its answer is processed last', async () => {
    const { a, b } = await pair();
    const original = broker().socketOpened;
    const hold = gate();
    let calls = 0;
    mm(broker(), 'socketOpened', async function(this: unknown, ...args: unknown[]) {
      const answer = await original.apply(this, args);
      if (++calls === 1) await hold.opened; // the first socket's answer comes after the second's
      return answer;
    });
    const first = new Client(`ws://127.0.0.1:${server.port}/ws?token=${encodeURIComponent(b.token)}`);
    await first.opened;
    await first.until(() => first.frames.some(f => f?.type === 'system'), 'the welcome frame');
    await sleep(100);
    const second = await connect(server.port, b.token);
    await sleep(100);
    hold.open();
    await sleep(200);
    assert.equal(await onlyOneReceives(server.base, a.token, b.id, [ first, second ], 'two'), 1);
    assert.equal(first.ws.readyState, first.ws.OPEN);
    first.close();
    second.close();
  });

  it('when the active socket closes, the next newest becomes active and receives what follows', async () => {
    const { a, b } = await pair();
    const older = await connect(server.port, b.token);
    const newer = await connect(server.port, b.token);
    await sleep(100);
    assert.equal(await onlyOneReceives(server.base, a.token, b.id, [ older, newer ], 'before'), 1);
    newer.close();
    await sleep(300);
    assert.equal(await onlyOneReceives(server.base, a.token, b.id, [ older ], 'after'), 0);
    older.close();
  });
});
