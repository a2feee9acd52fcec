// The send path's batcher (app/lib/groupCommit.ts): size and wait bounds, a lone item goes at
// once, errors isolated to their item.
import { strict as assert } from 'node:assert';
import { GroupCommit, Outcome } from '../../../app/lib/groupCommit';

const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms));

/** A run that records its batches and answers each item after `ms` (items starting with 'x' fail alone). */
function recorder(ms: number) {
  const batches: string[][] = [];
  let running = 0;
  let most = 0;
  const run = async (items: string[]): Promise<Array<Outcome<string>>> => {
    batches.push(items);
    running++;
    most = Math.max(most, running);
    await sleep(ms);
    running--;
    return items.map(item => (item.startsWith('x') ? { ok: false, error: new Error(item) } : { ok: true, value: item.toUpperCase() }));
  };
  return { batches, run, most: () => most };
}

/** Until a batch of `commits` is in flight (turns of the event loop, no clock). */
async function inFlight(commits: GroupCommit<string, string>) {
  while (commits.running === 0) await new Promise(resolve => setImmediate(resolve));
}

describe('app/lib/groupCommit', () => {
  it('a lone item starts at once (same turn, no timer) and answers its own value', async () => {
    const { batches, run } = recorder(0);
    const commits = new GroupCommit(run, { maxSize: 8, maxInFlight: 1, maxWaitMs: 1000 });
    const answer = commits.submit('a');
    // The batcher's setImmediate was queued before this one: once this one ran, the batch has
    // started, without any timer (no wait for company; no clock read, so load cannot fail it).
    await new Promise(resolve => setImmediate(resolve));
    assert.deepEqual(batches, [[ 'a' ]], 'started at the end of the turn');
    assert.equal(await answer, 'A');
  });

  it('items arriving while a batch is in flight share the next batch, in arrival order', async () => {
    const { batches, run } = recorder(30);
    const commits = new GroupCommit(run, { maxSize: 8, maxInFlight: 1, maxWaitMs: 1000 });
    const first = commits.submit('a');
    await sleep(5); // 'a' is in flight
    const rest = [ 'b', 'c', 'd' ].map(item => commits.submit(item));
    assert.deepEqual(await Promise.all([ first, ...rest ]), [ 'A', 'B', 'C', 'D' ]);
    assert.deepEqual(batches, [[ 'a' ], [ 'b', 'c', 'd' ]]);
  });

  it('a batch holds at most maxSize items; at most maxInFlight batches run at once', async () => {
    const { batches, run, most } = recorder(20);
    const commits = new GroupCommit(run, { maxSize: 3, maxInFlight: 2, maxWaitMs: 1000 });
    const items = Array.from({ length: 20 }, (_, i) => `i${i}`);
    const answers = await Promise.all(items.map(item => commits.submit(item)));
    assert.deepEqual(answers, items.map(item => item.toUpperCase()));
    assert.ok(batches.every(batch => batch.length <= 3), JSON.stringify(batches));
    assert.deepEqual(batches.flat(), items, 'every item once, in arrival order');
    assert.equal(most(), 2);
  });

  it('an item waits at most maxWaitMs for the batches in flight, then starts beside them', async () => {
    const { batches, run } = recorder(0);
    let release!: () => void;
    const stuck = new Promise<void>(resolve => { release = resolve; });
    const commits = new GroupCommit<string, string>(async items => {
      if (items.includes('stuck')) await stuck; // a batch behind a lock
      return run(items);
    }, { maxSize: 8, maxInFlight: 1, maxWaitMs: 40 });
    const held = commits.submit('stuck');
    await sleep(5);
    const started = Date.now();
    assert.equal(await commits.submit('next'), 'NEXT');
    const waited = Date.now() - started;
    // Not before its wait (a timer never fires early); that it did not wait for 'stuck' is the
    // order below (no upper bound on the clock: a loaded machine may run the timer late).
    assert.ok(waited >= 35, `waited ${waited} ms`);
    release();
    assert.equal(await held, 'STUCK');
    assert.deepEqual(batches, [[ 'next' ], [ 'stuck' ]]);
  });

  it('an item\'s own error fails that item only; the others of its batch get their values', async () => {
    const { run } = recorder(10);
    const commits = new GroupCommit(run, { maxSize: 8, maxInFlight: 1, maxWaitMs: 1000 });
    const answers = await Promise.allSettled([ 'a', 'xbad', 'c' ].map(item => commits.submit(item)));
    assert.deepEqual(answers.map(a => (a.status === 'fulfilled' ? a.value : (a.reason as Error).message)), [ 'A', 'xbad', 'C' ]);
  });

  it('a batch that fails as a whole is run again one item at a time: only the item that fails alone fails', async () => {
    const batches: string[][] = [];
    const commits = new GroupCommit<string, string>(async items => {
      batches.push(items);
      if (items.includes('poison')) throw new Error('lock wait timeout'); // fails every batch it is in
      return items.map(item => ({ ok: true, value: item.toUpperCase() }));
    }, { maxSize: 8, maxInFlight: 1, maxWaitMs: 1000 });
    const answers = await Promise.allSettled([ 'a', 'poison', 'b' ].map(item => commits.submit(item)));
    assert.deepEqual(answers.map(a => (a.status === 'fulfilled' ? a.value : (a.reason as Error).message)), [ 'A', 'lock wait timeout', 'B' ]);
    assert.deepEqual(batches[0], [ 'a', 'poison', 'b' ]);
    assert.deepEqual(batches.slice(1).sort(), [[ 'a' ], [ 'b' ], [ 'poison' ]]);
  });

  it('the items of a failed batch run again one after the other, never side by side', async () => {
    let running = 0;
    let most = 0;
    const commits = new GroupCommit<string, string>(async items => {
      if (items.length > 1) throw new Error('deadlock');
      if (items[0] === 'first') return [{ ok: true, value: items[0] }];
      running++;
      most = Math.max(most, running);
      await sleep(5);
      running--;
      return [{ ok: true, value: items[0] }];
    }, { maxSize: 8, maxInFlight: 2, maxWaitMs: 1000 });
    const first = commits.submit('first'); // a batch of its own: the rest share the next one
    await new Promise(resolve => setImmediate(resolve));
    const items = [ 'a', 'b', 'c', 'd', 'e' ];
    assert.deepEqual(await Promise.all([ first, ...items.map(item => commits.submit(item)) ]), [ 'first', ...items ]);
    assert.equal(most, 1);
  });

  it('a batch whose failure retryAlone refuses (an outage, a commit of unknown outcome) fails every item with that error, without running them again', async () => {
    const batches: string[][] = [];
    const outage = new Error('ECONNREFUSED');
    let release!: () => void;
    const gate = new Promise<void>(resolve => { release = resolve; });
    const commits = new GroupCommit<string, string>(async items => {
      batches.push(items);
      if (items[0] === 'first') await gate;
      if (items.length > 1) throw outage;
      return [{ ok: true, value: items[0] }];
    }, { maxSize: 8, maxInFlight: 1, maxWaitMs: 60000 }, { retryAlone: err => err !== outage });
    const held = commits.submit('first');
    await inFlight(commits);
    const settled = Promise.allSettled([ 'a', 'b' ].map(item => commits.submit(item)));
    release();
    const answers = await settled;
    assert.equal(await held, 'first');
    assert.deepEqual(answers.map(a => (a.status === 'rejected' ? a.reason : null)), [ outage, outage ]);
    assert.deepEqual(batches, [[ 'first' ], [ 'a', 'b' ]]);
  });

  it('with keyOf, an item waits while a batch holding its key is in flight; other keys go beside it; one key keeps its arrival order', async () => {
    const batches: string[][] = [];
    let release!: () => void;
    const commits = new GroupCommit<string, string>(async items => {
      batches.push(items);
      if (items[0].endsWith('slow')) await new Promise<void>(resolve => { release = resolve; });
      return items.map(item => ({ ok: true, value: item }));
    }, { maxSize: 8, maxInFlight: 2, maxWaitMs: 10 }, { keyOf: item => item[0] });
    const done: string[] = [];
    const submit = (item: string) => commits.submit(item).then(value => { done.push(value); return value; });
    const slow = submit('a-slow'); // key a, in flight until released
    await inFlight(commits);
    const rest = [ 'a1', 'b1', 'a2', 'c1' ].map(submit);
    await sleep(60); // several maxWaitMs: the a's still wait for key a
    assert.deepEqual(batches, [[ 'a-slow' ], [ 'b1', 'c1' ]]);
    assert.deepEqual(done.sort(), [ 'b1', 'c1' ]);
    release();
    assert.deepEqual(await Promise.all([ slow, ...rest ]), [ 'a-slow', 'a1', 'b1', 'a2', 'c1' ]);
    assert.deepEqual(batches.slice(2), [[ 'a1', 'a2' ]], 'after the batch holding key a, in arrival order');
  });

  it('a run that throws synchronously fails its batch, never leaves it waiting', async () => {
    const commits = new GroupCommit<string, string>(() => { throw new Error('sync'); }, { maxSize: 8, maxInFlight: 1, maxWaitMs: 1000 });
    await assert.rejects(commits.submit('a'), /sync/);
    assert.equal(commits.running, 0);
  });
});
