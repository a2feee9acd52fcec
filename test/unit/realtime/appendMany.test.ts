// Broker.appendMany / notifyMany (a group's fan-out, CONTRACT-groups §B): the same entry in
// every user's inbox, the events in the users' order, each event's `p` the entry before it in
// that user's inbox; on Redis one pipeline (one write, one wait) whatever the number of users.
import { strict as assert } from 'node:assert';
import { app } from 'egg-mock/bootstrap';
import { Broker } from '../../../app/realtime/broker';
import { MemoryBroker } from '../../../app/realtime/memoryBroker';

const UIDS = [ 11, 12, 13, 14, 15 ];

/** The same checks on both brokers. */
function behaves(name: string, make: () => Broker) {
  describe(`${name}.appendMany / notifyMany`, () => {
    let broker: Broker;
    beforeEach(() => { broker = make(); });

    it('appends the entry to every inbox and returns one event per user, in order, chained to each inbox', async () => {
      const first = await broker.append(12, { kind: 'm', messageId: '1' }, { n: 1 });
      const queued = await broker.appendMany(UIDS, { kind: 'm', messageId: '2' }, { n: 2 });
      assert.deepEqual(queued.map(q => q.uid), UIDS);
      for (const { uid, event } of queued) {
        assert.equal(event.t, 'entry');
        assert.equal(event.k, 'm');
        assert.deepEqual(event.d, { n: 2 });
        assert.equal(event.o, undefined);
        const inbox = await broker.read(uid, '0-0', 10);
        assert.deepEqual(inbox.map(e => e.messageId), uid === 12 ? [ '1', '2' ] : [ '2' ]);
        assert.equal(inbox[inbox.length - 1].id, event.e);
        assert.equal(event.p, uid === 12 ? first.event.e : '0-0');
      }
      assert.deepEqual(await broker.appendMany([], { kind: 'm', messageId: '3' }, {}), []);
    });

    it('keeps the origin of a copy, and notifyMany queues an inline notice for every user', async () => {
      const [ copy ] = await broker.appendMany([ 11 ], { kind: 's', messageId: '4', origin: 'sid-1' }, { n: 4 });
      assert.equal(copy.event.o, 'sid-1');
      await broker.notifyMany(UIDS, { data: { data: 'hello' } });
      for (const uid of UIDS) {
        const inbox = await broker.read(uid, '0-0', 10);
        const last = inbox[inbox.length - 1];
        assert.equal(last.kind, 'n');
        assert.deepEqual(JSON.parse(last.inline!), { data: { data: 'hello' } });
      }
    });
  });
}

behaves('MemoryBroker', () => new MemoryBroker());
behaves('RedisBroker', () => app.broker);

describe('RedisBroker.appendMany round trips', () => {
  it('writes the 500 appends to Redis in one write (one pipeline), and their 500 events in one more', async () => {
    const { redis } = app;
    // Warm up: the pipeline checks its script once per process (SCRIPT EXISTS) before its first run.
    await app.broker.appendMany([ 1, 2 ], { kind: 'm', messageId: '0' }, {});
    const stream = (redis as any).stream;
    const write = stream.write;
    const writes: string[] = [];
    stream.write = (chunk: any, ...rest: any[]) => { writes.push(String(chunk)); return write.call(stream, chunk, ...rest); };
    try {
      const uids = Array.from({ length: 500 }, (_, i) => 1000 + i);
      const queued = await app.broker.appendMany(uids, { kind: 'm', messageId: '9' }, { n: 9 });
      assert.equal(queued.length, 500);
      const appends = writes.filter(chunk => /evalsha/i.test(chunk));
      assert.equal(appends.length, 1, 'one write for every append');
      assert.equal(appends[0].match(/evalsha/gi)!.length, 500);
      assert.equal(await redis.xlen('im:inbox:{1499}'), 1);
      writes.length = 0;
      await app.broker.announce(queued);
      const publishes = writes.filter(chunk => /publish/i.test(chunk));
      assert.equal(publishes.length, 1, 'one write for every event');
      assert.equal(publishes[0].match(/publish/gi)!.length, 500);
    } finally {
      stream.write = write;
    }
  });
});
