// CONTRACT-admin §4: disabling a user through the console closes their sockets on every process
// within 2 s, with the disabled frame and 4003 — on the production build in Egg's cluster mode
// (egg-scripts, 2 workers, test/productionCluster.ts), sockets on both workers.
import { strict as assert } from 'node:assert';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { insertUsers, PASSWORD } from '../../helpers';
import { testPort } from '../../ports';
import { productionCluster } from '../../productionCluster';
import { Client, call, sleep } from '../messaging/support';
import { ADMIN_PASSWORD, createAdmin, csrfOf } from './support';

const PORT = testPort(7162);
const BASE = `http://127.0.0.1:${PORT}`;
const DISABLED = '当前用户不存在或者已被禁用';

/** The `name=value` pairs of a fetch answer's Set-Cookie headers. */
const cookiesOf = (res: Response) => res.headers.getSetCookie().map(line => line.split(';')[0]);

describe('console on 2 worker processes (egg-scripts, production build)', function() {
  this.timeout(180000);
  const cluster = productionCluster('admin-cluster', PORT, {
    MSG_CHANNEL_PREFIX: `im:admincluster${process.pid}:ev:`, WS_CONNECT_LIMIT_IP: '100000', LOGIN_FAIL_LIMIT_IP: '100000',
    LOGIN_OK_LIMIT_USER: '100000', LOGIN_OK_LIMIT_IP: '100000', ADMIN_SECRET_KEY: 'c'.repeat(64),
  });

  /** The worker pid of each handshake, from the access log (request id -> pid). */
  async function workerOf(requestIds: string[]): Promise<Set<number>> {
    const found = new Map<string, number>();
    for (let i = 0; i < 60 && found.size < requestIds.length; i++) {
      await sleep(100);
      for (const file of readdirSync(cluster.logs).filter(name => name.startsWith('access'))) {
        for (const line of readFileSync(path.join(cluster.logs, file), 'utf8').split('\n')) {
          const match = /^\S+ \S+ \S+ (\d+) GET \/ws 101 .* rid=(\S+)/.exec(line);
          if (match && requestIds.includes(match[2])) found.set(match[2], Number(match[1]));
        }
      }
    }
    assert.equal(found.size, requestIds.length, 'every handshake is in the access log');
    return new Set(found.values());
  }

  /** Logs an admin in over HTTP: the login form's CSRF cookie, then the session cookie and its token. */
  async function adminLogin(username: string) {
    const form = await fetch(`${BASE}/admin/login`);
    const csrfCookie = cookiesOf(form)[0];
    const login = await fetch(`${BASE}/admin/login`, {
      method: 'POST', redirect: 'manual', headers: { cookie: csrfCookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: csrfOf(await form.text()), username, password: ADMIN_PASSWORD }).toString(),
    });
    assert.equal(login.status, 303);
    const cookie = cookiesOf(login).find(c => c.startsWith('admin_sid='))!;
    const page = await fetch(`${BASE}/admin`, { headers: { cookie } });
    assert.equal(page.status, 200);
    return { cookie, csrf: csrfOf(await page.text()) };
  }

  it('disabling a user closes their sockets on both workers with the disabled frame and 4003 within 2 s; the next request answers 403', async () => {
    await createAdmin('ops_root');
    const [ user ] = await insertUsers([{ username: 'cluster_x' }]);
    const admin = await adminLogin('ops_root');
    // One socket per session, until sockets sit on both workers.
    const sockets: Array<{ client: Client; rid: string; token: string }> = [];
    for (let i = 0; i < 12 && (sockets.length < 2 || (await workerOf(sockets.map(s => s.rid))).size < 2); i++) {
      const res = await call(BASE, 'POST', '/api/loginChat', undefined, { username: 'cluster_x', password: PASSWORD });
      assert.equal(res.status, 200);
      const token = (res.body as any).data.token as string;
      const rid = `admin-cluster-${process.pid}-${i}`;
      const client = new Client(`ws://127.0.0.1:${PORT}/ws?token=${token}`, { headers: { 'X-Request-Id': rid } });
      await client.opened;
      await client.until(() => client.frames.some(f => f?.type === 'system'), 'welcome');
      sockets.push({ client, rid, token });
    }
    assert.equal((await workerOf(sockets.map(s => s.rid))).size, 2, 'sockets on both workers');

    const started = Date.now();
    const res = await fetch(`${BASE}/admin/users/${user.id}/disable`, {
      method: 'POST', redirect: 'manual', headers: { cookie: admin.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: admin.csrf }).toString(),
    });
    assert.equal(res.status, 303);
    const closes = await Promise.all(sockets.map(({ client }) => client.closedWithin(2000 - (Date.now() - started))));
    const elapsed = Date.now() - started;
    for (const [ i, closed ] of closes.entries()) {
      assert.deepEqual(closed, { code: 4003, clean: true });
      assert.deepEqual(sockets[i].client.frames.at(-1), { msg: 'fail', data: DISABLED });
    }
    assert.ok(elapsed < 2000, `closed after ${elapsed} ms`);
    const api = await call(BASE, 'POST', '/api/chat/searchUser', sockets[0].token, { keyword: 'clu' });
    assert.equal(api.status, 403);
  });
});
