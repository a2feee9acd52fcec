// CONTRACT-messaging §1, §6 and the faults: a second app reaches MariaDB and Redis only
// through TCP proxies this test cuts and restores (test/app/hardening/support.ts).
import { strict as assert } from 'node:assert';
import { app, mm } from 'egg-mock/bootstrap';
import { testPort } from '../../ports';
import { appBehindProxies } from '../hardening/support';
import { Client, befriend, listen, sendMessage, sleep, textBody } from './support';
import { openSession, insertUser } from '../../helpers';

const REDIS_PROXY_PORT = testPort(7150);
const MYSQL_PROXY_PORT = testPort(7151);
const UNAVAILABLE = { msg: 'fail', data: '服务暂不可用，请稍后再试' };

describe('messaging with Redis or MySQL down (503, sockets dropped, nothing lost)', () => {
  const deps = appBehindProxies(REDIS_PROXY_PORT, MYSQL_PROXY_PORT);
  const server = listen(() => deps.app);

  beforeEach(async () => {
    await deps.redis.up();
    await deps.mysql.up();
    mm(deps.app.config.im.messaging, 'healthCheckMs', 200);
    await waitUntil(async () => (await fetch(`${server.base}/api/health`)).status === 200, 'the app reconnected');
  });

  async function waitUntil(check: () => Promise<boolean>, what: string, ms = 10000) {
    const deadline = Date.now() + ms;
    while (!(await check().catch(() => false))) {
      assert.ok(Date.now() < deadline, `timed out: ${what}`);
      await sleep(100);
    }
  }

  /** Reconnects like the course client (every 200 ms while refused) and waits for the welcome frame. */
  async function reconnect(token: string): Promise<Client> {
    for (let attempt = 0; ; attempt++) {
      const client = new Client(`ws://127.0.0.1:${server.port}/ws?token=${token}`);
      try {
        await client.opened;
        await client.until(() => client.frames.length > 0, 'welcome', 3000);
        if (client.frames[0]?.type === 'system') return client;
      } catch {
        // refused (503) or dropped: try again
      }
      client.close();
      assert.ok(attempt < 100, 'could not reconnect');
      await sleep(200);
    }
  }

  async function pair() {
    const [ a, b ] = await Promise.all([ insertUser({ username: 'fault_a1' }), insertUser({ username: 'fault_b1' }) ]);
    await befriend(a.id, b.id);
    return { a: { id: a.id, token: await openSession(a) }, b: { id: b.id, token: await openSession(b) } };
  }

  const proxyOf = (dependency: 'Redis' | 'MySQL') => (dependency === 'Redis' ? deps.redis : deps.mysql);
  for (const dependency of [ 'Redis', 'MySQL' ] as const) {
    it(`${dependency} down: sendmessage 503 and nothing delivered, sockets dropped without a close frame, handshakes 503; back up: reconnect and catch up, nothing lost`, async () => {
      const proxy = proxyOf(dependency);
      const { a, b } = await pair();
      const online = await reconnect(b.token);
      const before = [];
      for (let i = 0; i < 3; i++) {
        const res = await sendMessage(server.base, a.token, textBody(b.id, `before ${i}`));
        assert.equal(res.status, 200);
        before.push(res.body.data);
      }
      await online.received(3);
      online.close();
      // Queued while b is offline, delivered only after the outage.
      const queued = (await sendMessage(server.base, a.token, textBody(b.id, 'queued'))).body.data;
      const watcher = await reconnect(a.token);

      await proxy.down();
      assert.deepEqual(await watcher.closed, { code: 1006, clean: false }, 'dropped without a close frame');
      const refused = await sendMessage(server.base, a.token, textBody(b.id, 'during'));
      assert.deepEqual([ refused.status, refused.body ], [ 503, UNAVAILABLE ]);
      const handshake = new Client(`ws://127.0.0.1:${server.port}/ws?token=${b.token}`);
      await assert.rejects(handshake.opened);
      const answer = await handshake.refused!;
      assert.deepEqual([ answer.status, answer.body ], [ 503, UNAVAILABLE ]);

      await proxy.up();
      const back = await reconnect(b.token);
      const after = (await sendMessage(server.base, a.token, textBody(b.id, 'after'))).body.data;
      await back.received(2);
      await sleep(300);
      assert.deepEqual(back.of('singleChat').map(f => f.data), [ queued, after ]);
      assert.equal(await app.model.Message.count({ where: { to_id: b.id } }), 5, 'the refused message was not stored');
      back.close();
    });
  }
});
