// turnCommand (app/lib/redisTurn.ts) against the real Redis: the commands asked for in one turn
// go out as one pipeline, each answered on its own (equal commands are not merged), and a
// failure reaches exactly the commands it concerns.
import { strict as assert } from 'node:assert';
import { app, mm } from 'egg-mock/bootstrap';
import { turnCommand } from '../../../app/lib/redisTurn';
import { assertClosed, CLOSED_PORT, unreachableRedis } from '../../faults';

const KEY = 'test:redisTurn';

describe('turnCommand (Redis commands of one turn in one pipeline)', () => {
  afterEach(async () => {
    mm.restore();
    await app.redis.del(`${KEY}:n`, `${KEY}:s`);
  });

  function countPipelines() {
    const pipeline = app.redis.pipeline.bind(app.redis);
    const counted = { pipelines: 0 };
    mm(app.redis, 'pipeline', () => {
      counted.pipelines++;
      return pipeline();
    });
    return counted;
  }

  it('sends the commands of one turn as one pipeline; equal commands each run (two INCRs count twice), each gets its own reply', async () => {
    const counted = countPipelines();
    await app.redis.set(`${KEY}:s`, 'text');
    const replies = await Promise.all([
      turnCommand(app.redis, 'incr', `${KEY}:n`), turnCommand(app.redis, 'incr', `${KEY}:n`), turnCommand(app.redis, 'get', `${KEY}:s`),
    ]);
    assert.deepEqual(replies, [ 1, 2, 'text' ]);
    assert.equal(counted.pipelines, 1);
  });

  it('a command\'s own error fails that command only; the others of its pipeline get their replies', async () => {
    await app.redis.set(`${KEY}:s`, 'not a number');
    const results = await Promise.allSettled([ turnCommand(app.redis, 'incr', `${KEY}:s`), turnCommand(app.redis, 'incr', `${KEY}:n`) ]);
    assert.equal(results[0].status, 'rejected');
    assert.match(String((results[0] as PromiseRejectedResult).reason.message), /not an integer/);
    assert.deepEqual(results[1], { status: 'fulfilled', value: 1 });
  });

  it('a lone command is sent plainly (no pipeline), and commands of later turns go in later pipelines', async () => {
    const counted = countPipelines();
    assert.equal(await turnCommand(app.redis, 'incr', `${KEY}:n`), 1);
    assert.equal(counted.pipelines, 0);
    await Promise.all([ turnCommand(app.redis, 'incr', `${KEY}:n`), turnCommand(app.redis, 'incr', `${KEY}:n`) ]);
    await Promise.all([ turnCommand(app.redis, 'incr', `${KEY}:n`), turnCommand(app.redis, 'incr', `${KEY}:n`) ]);
    assert.equal(counted.pipelines, 2);
    assert.equal(await app.redis.get(`${KEY}:n`), '5');
  });

  it('a script defined with defineCommand runs in the pipeline too', async () => {
    const redis = app.redis as typeof app.redis & { turnTestEcho?: unknown };
    if (typeof redis.turnTestEcho !== 'function') redis.defineCommand('turnTestEcho', { numberOfKeys: 1, lua: 'return ARGV[1] .. KEYS[1]' });
    const replies = await Promise.all([ turnCommand(redis, 'turnTestEcho', 'k1', 'a'), turnCommand(redis, 'turnTestEcho', 'k2', 'b') ]);
    assert.deepEqual(replies, [ 'ak1', 'bk2' ]);
  });

  it('every command of a turn fails while Redis is unreachable, and none is left waiting', async () => {
    await assertClosed(CLOSED_PORT);
    const redis = unreachableRedis(app);
    try {
      const results = await Promise.allSettled([ 1, 2, 3 ].map(n => turnCommand(redis, 'incr', `${KEY}:${n}`)));
      assert.deepEqual(results.map(result => result.status), [ 'rejected', 'rejected', 'rejected' ]);
      const [ alone ] = await Promise.allSettled([ turnCommand(redis, 'incr', `${KEY}:n`) ]);
      assert.equal(alone.status, 'rejected');
    } finally {
      redis.disconnect();
    }
  });
});
