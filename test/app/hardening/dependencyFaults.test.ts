import { strict as assert } from 'node:assert';
import { createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import { app, mm } from 'egg-mock/bootstrap';
import { PASSWORD } from '../../helpers';
import { testPort } from '../../ports';
import { appBehindProxies } from './support';

const UNAVAILABLE = { msg: 'fail', data: '服务暂不可用，请稍后再试' };
const REDIS_PROXY_PORT = testPort(6391);
const MYSQL_PROXY_PORT = testPort(6392);

/**
 * CONTRACT: 503. A second app instance reaches MariaDB and Redis only through proxies this
 * test cuts and restores; the shared servers themselves are never touched.
 */
describe('dependency faults (CONTRACT: 503, fail closed, recovery)', () => {
  const deps = appBehindProxies(REDIS_PROXY_PORT, MYSQL_PROXY_PORT);

  // Every test starts with both dependencies up and the app reconnected to them.
  beforeEach(async () => {
    await deps.redis.up();
    await deps.mysql.up();
    const deadline = Date.now() + 8000;
    for (;;) {
      const ok = await Promise.all([ deps.app.redis.ping(), deps.app.model.query('SELECT 1') ]).then(() => true, () => false);
      if (ok) return;
      assert.ok(Date.now() < deadline, 'the app did not reconnect');
      await new Promise(resolve => setTimeout(resolve, 100));
    }
  });

  const send = (path: string, body?: object, token?: string) => {
    const req = deps.app.httpRequest().post(path).type('form');
    if (token) req.set('token', token);
    return req.send(body ?? {});
  };

  /** A user and a token obtained while everything is up. */
  async function userWithToken(username: string) {
    const res = await send('/api/regChat', { username, password: PASSWORD });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body.data.token as string;
  }

  type Call = { name: string; run: () => Promise<any> };
  function everyRoute(token: string, suffix: string): Call[] {
    return [
      { name: 'regChat', run: () => send('/api/regChat', { username: `new_${suffix}`, password: PASSWORD }) },
      { name: 'loginChat', run: () => send('/api/loginChat', { username: 'victim', password: PASSWORD }) },
      { name: 'searchUser', run: () => send('/api/chat/searchUser', { keyword: 'vic' }, token) },
      { name: 'logout', run: () => send('/api/chat/logout', undefined, token) },
    ];
  }

  async function assertAllUnavailable(calls: Call[]) {
    for (const call of calls) {
      const started = Date.now();
      const res = await call.run();
      const took = Date.now() - started;
      assert.equal(res.status, 503, `${call.name}: ${res.status} ${JSON.stringify(res.body)}`);
      assert.deepEqual(res.body, UNAVAILABLE, call.name);
      assert.match(res.headers['content-type'], /^application\/json/);
      assert.ok(took < 3000, `${call.name} took ${took} ms`);
    }
  }

  /** Polls until the route answers 200 again, without restarting anything. */
  async function waitForRecovery(call: Call, withinMs = 8000) {
    const deadline = Date.now() + withinMs;
    for (;;) {
      const res = await call.run();
      if (res.status === 200) return;
      assert.equal(res.status, 503, `${call.name} while recovering: ${res.status}`);
      assert.ok(Date.now() < deadline, `${call.name} did not recover within ${withinMs} ms`);
      await new Promise(resolve => setTimeout(resolve, 200));
    }
  }

  /** 30 searches at once over real connections (egg-mock's httpRequest() cannot overlap them). */
  async function searchConcurrently(tokens: string[]) {
    const server = createServer(deps.app.callback());
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      return await Promise.all(Array.from({ length: 30 }, async (_, i) => {
        const res = await fetch(`http://127.0.0.1:${port}/api/chat/searchUser`, {
          method: 'POST', headers: { token: tokens[i % tokens.length] }, body: new URLSearchParams({ keyword: 'vic' }), signal: AbortSignal.timeout(5000),
        });
        return { status: res.status, body: await res.json() };
      }));
    } finally {
      await new Promise(resolve => server.close(resolve));
    }
  }

  const userCount = async () => app.model.User.count();
  const proxyOf = (dependency: 'Redis' | 'MySQL') => (dependency === 'Redis' ? deps.redis : deps.mysql);

  it('answers normally through the proxies', async () => {
    const token = await userWithToken('victim');
    const res = await send('/api/chat/searchUser', { keyword: 'zzz' }, token);
    assert.equal(res.status, 200);
  });

  for (const dependency of [ 'Redis', 'MySQL' ] as const) {
    it(`${dependency} down: every route answers 503 within 3 s, fails closed, and recovers without a restart`, async () => {
      const proxy = proxyOf(dependency);
      const token = await userWithToken('victim');
      const before = await userCount();

      await proxy.down();
      await assertAllUnavailable(everyRoute(token, 'a'));
      // Still down a while later (reconnect attempts in between): still 503, never a hang.
      await new Promise(resolve => setTimeout(resolve, 1500));
      await assertAllUnavailable(everyRoute(token, 'b'));
      assert.equal(await userCount(), before, 'no user row written while down');

      await proxy.up();
      await waitForRecovery({ name: 'searchUser', run: () => send('/api/chat/searchUser', { keyword: 'vic' }, token) });
      await waitForRecovery({ name: 'loginChat', run: () => send('/api/loginChat', { username: 'victim', password: PASSWORD }) });
      const reg = await send('/api/regChat', { username: 'after_up', password: PASSWORD });
      assert.equal(reg.status, 200, JSON.stringify(reg.body));
      // The session that existed before the fault is still valid, and logout works again.
      assert.equal((await send('/api/chat/logout', undefined, token)).status, 200);
      assert.equal((await send('/api/chat/searchUser', { keyword: 'vic' }, token)).status, 401);
    });
  }

  for (const dependency of [ 'Redis', 'MySQL' ] as const) {
    it(`${dependency} down: concurrent authenticated requests (one batched lookup per turn) all answer 503, then recover`, async () => {
      const tokens = await Promise.all([ 'victim', 'victim2', 'victim3' ].map(userWithToken));
      await proxyOf(dependency).down();
      const started = Date.now();
      for (const res of await searchConcurrently(tokens)) assert.deepEqual(res, { status: 503, body: UNAVAILABLE });
      assert.ok(Date.now() - started < 3000);
      await proxyOf(dependency).up();
      await waitForRecovery({ name: 'searchUser', run: () => send('/api/chat/searchUser', { keyword: 'vic' }, tokens[0]) });
      for (const res of await searchConcurrently(tokens)) assert.equal(res.status, 200);
    });
  }

  it('Redis hanging (connections open, no answers): every route answers 503 within 3 s, then recovers', async () => {
    const token = await userWithToken('victim');
    deps.redis.stall();
    await assertAllUnavailable(everyRoute(token, 'c'));
    await deps.redis.up();
    await waitForRecovery({ name: 'searchUser', run: () => send('/api/chat/searchUser', { keyword: 'vic' }, token) });
    await waitForRecovery({ name: 'loginChat', run: () => send('/api/loginChat', { username: 'victim', password: PASSWORD }) });
  });

  it('MySQL hanging (connections open, no answers): every route answers 503 within 3 s, then recovers', async () => {
    const token = await userWithToken('victim');
    deps.mysql.stall();
    await assertAllUnavailable(everyRoute(token, 'd'));
    assert.equal(await userCount(), 1);
    await deps.mysql.up();
    await waitForRecovery({ name: 'searchUser', run: () => send('/api/chat/searchUser', { keyword: 'vic' }, token) });
    await waitForRecovery({ name: 'loginChat', run: () => send('/api/loginChat', { username: 'victim', password: PASSWORD }) });
    assert.equal((await send('/api/regChat', { username: 'after_hang', password: PASSWORD })).status, 200);
  });

  it('a registration whose session cannot be stored leaves no user row and no session', async () => {
    const original = deps.app.redis.openSession.bind(deps.app.redis);
    mm(deps.app.redis, 'openSession', async (...args: Parameters<typeof original>) => {
      await deps.redis.down(); // Redis dies between the INSERT and the session
      return original(...args);
    });
    const res = await send('/api/regChat', { username: 'halfway1', password: PASSWORD });
    assert.equal(res.status, 503, JSON.stringify(res.body));
    assert.deepEqual(res.body, UNAVAILABLE);
    mm.restore();
    await deps.redis.up();
    assert.equal(await app.model.User.count({ where: { username: 'halfway1' } }), 0);
    assert.deepEqual(await app.redis.keys('im:sess:*'), []);
  });

  it('a registration whose row cannot be committed leaves no user row and no session', async () => {
    const original = deps.app.redis.openSession.bind(deps.app.redis);
    mm(deps.app.redis, 'openSession', async (...args: Parameters<typeof original>) => {
      const revoked = await original(...args);
      await deps.mysql.down(); // MySQL dies after the session, before COMMIT
      return revoked;
    });
    const res = await send('/api/regChat', { username: 'halfway2', password: PASSWORD });
    assert.equal(res.status, 503, JSON.stringify(res.body));
    mm.restore();
    await deps.mysql.up();
    assert.equal(await app.model.User.count({ where: { username: 'halfway2' } }), 0);
    assert.deepEqual(await app.redis.keys('im:sess:*'), []);
    // And the name is free: the next try succeeds.
    await waitForRecovery({ name: 'regChat', run: () => send('/api/regChat', { username: 'halfway2', password: PASSWORD }) });
  });

  for (const dependency of [ 'Redis', 'MySQL' ] as const) {
    it(`refuses to start while ${dependency} is unreachable (nothing serves half-working)`, async () => {
      const closedPort = testPort(dependency === 'Redis' ? 6393 : 6394); // nothing listens there
      mm(process.env, dependency === 'Redis' ? 'REDIS_PORT' : 'MYSQL_PORT', String(closedPort));
      const broken = mm.app({ baseDir: process.cwd(), cache: false } as any);
      const started = Date.now();
      await assert.rejects(broken.ready(), /ECONNREFUSED/);
      mm.restore();
      assert.ok(Date.now() - started < 10000);
      try {
        (broken as any).redis.disconnect();
      } catch {
        // egg-mock refuses access to a plugin of an app that never became ready
      }
      await broken.close().catch(() => undefined);
    });
  }
});
