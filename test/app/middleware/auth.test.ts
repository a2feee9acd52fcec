import { strict as assert } from 'node:assert';
import { app, mm } from 'egg-mock/bootstrap';
import * as pooledQuery from '../../../app/lib/pooledQuery';
import { sessionScore } from '../../../app/lib/sessionScores';
import { assertClosed, CLOSED_PORT, unreachableRedis } from '../../faults';
import { assertFail, assertOk, logout, postConcurrently, register, search, tokenPayload } from '../../helpers';

const TOKEN_INVALID = 'Token 令牌不合法！';
const DISABLED = '当前用户不存在或者已被禁用';
const sql = (statement: string, id: number) => app.model.query(statement, { replacements: { id } });

/**
 * Counts the standing statements (`… FROM \`user\` WHERE id IN (…)`) sent from now on. Counted by
 * statement, not by pooled connection: the hub's dependency watch takes connections too.
 */
function countStandingStatements() {
  const original = pooledQuery.pooledExecute;
  const taken = { count: 0 };
  mm(pooledQuery, 'pooledExecute', (...args: Parameters<typeof original>) => {
    if (args[2].includes('FROM `user` WHERE id IN')) taken.count++;
    return original(...args);
  });
  return taken;
}

/**
 * CONTRACT (app/middleware/auth.ts): every authenticated request reads the user's standing and
 * its session as they are when it arrives; nothing is cached between requests. The lookups of
 * requests arriving together share one statement (app/repository/users.ts).
 */
describe('the auth check on every request', () => {
  it('refuses a user disabled by SQL on the very next request, and lets them in again once re-enabled', async () => {
    const { id, token } = await register('auth_dis');
    assertOk(await search(token, { keyword: 'zzz' }));
    await sql('UPDATE `user` SET status = 0 WHERE id = :id', id);
    assertFail(await search(token, { keyword: 'zzz' }), 403, DISABLED);
    await sql('UPDATE `user` SET status = 1 WHERE id = :id', id);
    assertOk(await search(token, { keyword: 'zzz' }));
  });

  it('refuses a user deleted by SQL (is_deleted, or the row removed) on the very next request', async () => {
    const flagged = await register('auth_del');
    const removed = await register('auth_rem');
    assertOk(await search(flagged.token, { keyword: 'zzz' }));
    assertOk(await search(removed.token, { keyword: 'zzz' }));
    await sql('UPDATE `user` SET is_deleted = 1 WHERE id = :id', flagged.id);
    await sql('DELETE FROM `user` WHERE id = :id', removed.id);
    assertFail(await search(flagged.token, { keyword: 'zzz' }), 401, TOKEN_INVALID);
    assertFail(await search(removed.token, { keyword: 'zzz' }), 401, TOKEN_INVALID);
  });

  it('refuses a logged-out session on the very next request', async () => {
    const { token } = await register('auth_out');
    assertOk(await search(token, { keyword: 'zzz' }));
    assertOk(await logout(token));
    assertFail(await search(token, { keyword: 'zzz' }), 401, TOKEN_INVALID);
  });

  it('answers each of many concurrent requests by its own user\'s standing', async () => {
    const users = await Promise.all([ 'auth_c1', 'auth_c2', 'auth_c3', 'auth_c4' ].map(name => register(name)));
    const [ ok, disabled, deleted, out ] = users;
    await sql('UPDATE `user` SET status = 0 WHERE id = :id', disabled.id);
    await sql('UPDATE `user` SET is_deleted = 1 WHERE id = :id', deleted.id);
    assertOk(await logout(out.token));
    const expected = new Map<string, [number, string] | null>([
      [ ok.token, null ], [ disabled.token, [ 403, DISABLED ]], [ deleted.token, [ 401, TOKEN_INVALID ]], [ out.token, [ 401, TOKEN_INVALID ]],
    ]);
    const tokenOf = new Map<object, string>();
    const bodies = Array.from({ length: 40 }, (_, i) => {
      const body = { keyword: 'zzz' };
      tokenOf.set(body, users[i % users.length].token);
      return body;
    });
    const answers = await postConcurrently('/api/chat/searchUser', bodies, body => ({ token: tokenOf.get(body)! }));
    answers.forEach((res, i) => {
      const failure = expected.get(tokenOf.get(bodies[i])!)!;
      if (failure) assertFail(res, ...failure);
      else assertOk(res);
    });
  });

  describe('findStanding (app/repository/users.ts)', () => {
    it('looks up the ids asked for in one turn with one statement, each answered by its own row', async () => {
      const users = await Promise.all([ 'auth_s1', 'auth_s2', 'auth_s3' ].map(name => register(name)));
      await sql('UPDATE `user` SET status = 0 WHERE id = :id', users[1].id);
      const taken = countStandingStatements();
      const ids = [ users[0].id, users[1].id, users[2].id, users[0].id, 999999 ];
      const found = await Promise.all(ids.map(id => app.repos.users.findStanding(id)));
      assert.equal(taken.count, 1);
      assert.deepEqual(found, [
        { id: users[0].id, status: 1, is_deleted: 0, role: 'user' },
        { id: users[1].id, status: 0, is_deleted: 0, role: 'user' },
        { id: users[2].id, status: 1, is_deleted: 0, role: 'user' },
        { id: users[0].id, status: 1, is_deleted: 0, role: 'user' },
        null,
      ]);
    });

    it('splits more than 64 ids into several statements, and reads a change made between two turns', async () => {
      const { id } = await register('auth_s4');
      const taken = countStandingStatements();
      const ids = Array.from({ length: 150 }, (_, i) => (i === 149 ? id : 1000000 + i));
      const found = await Promise.all(ids.map(n => app.repos.users.findStanding(n)));
      assert.equal(taken.count, 3);
      assert.equal(found.filter(Boolean).length, 1);
      assert.equal(found[149]?.status, 1);
      await sql('UPDATE `user` SET status = 0 WHERE id = :id', id);
      assert.equal((await app.repos.users.findStanding(id))?.status, 0);
    });

    it('fails every lookup of a turn when its statement fails', async () => {
      const manager = app.model.connectionManager;
      mm(manager, 'getConnection', async () => { throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }); });
      const results = await Promise.allSettled([ 1, 2, 3 ].map(id => app.repos.users.findStanding(id)));
      assert.deepEqual(results.map(r => r.status), [ 'rejected', 'rejected', 'rejected' ]);
    });
  });

  describe('sessionScore (app/lib/sessionScores.ts)', () => {
    const key = (id: number) => app.config.im.session.keyPrefix + id;

    it('sends the ZSCOREs of one turn as one pipeline, each answered by its own session', async () => {
      const a = await register('auth_r1');
      const b = await register('auth_r2');
      assertOk(await logout(b.token));
      const pipeline = app.redis.pipeline.bind(app.redis);
      let pipelines = 0;
      mm(app.redis, 'pipeline', () => {
        pipelines++;
        return pipeline();
      });
      const asked: Array<[number, string]> = [
        [ a.id, String(tokenPayload(a.token).sid) ], [ b.id, String(tokenPayload(b.token).sid) ], [ a.id, 'no-such-session' ],
      ];
      const scores = await Promise.all(asked.map(([ id, sid ]) => sessionScore(app, key(id), sid)));
      assert.equal(pipelines, 1);
      assert.match(String(scores[0]), /^\d+$/);
      assert.deepEqual(scores.slice(1), [ null, null ]);
    });

    it('fails every ZSCORE of a turn while Redis is unreachable', async () => {
      await assertClosed(CLOSED_PORT);
      mm(app, 'redis', unreachableRedis(app));
      const results = await Promise.allSettled([ 1, 2, 3 ].map(id => sessionScore(app, key(id), 'sid')));
      assert.deepEqual(results.map(r => r.status), [ 'rejected', 'rejected', 'rejected' ]);
    });
  });
});
