// README "Metrics": GET /metrics of the production build in Egg's cluster mode (egg-scripts,
// 2 workers) adds up the counters and gauges of both workers, whichever one serves the scrape,
// and keeps answering while a worker is killed and restarted.
import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { request } from 'node:http';
import path from 'node:path';
import { insertUsers, PASSWORD } from '../../helpers';
import { testPort } from '../../ports';
import { productionCluster } from '../../productionCluster';
import { Client, call, sleep } from '../messaging/support';
import { sample } from './support';

const PORT = testPort(7153);
const BASE = `http://127.0.0.1:${PORT}`;
const TOKEN = randomBytes(24).toString('hex');

/** One GET on its own TCP connection (so egg-cluster's master hands each to a worker afresh). */
function get(pathname: string, headers: Record<string, string> = {}): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${BASE}${pathname}`, { agent: false, headers: { Connection: 'close', ...headers } }, res => {
      let text = '';
      res.on('data', chunk => { text += chunk; });
      res.on('end', () => resolve({ status: res.statusCode!, text }));
    });
    req.on('error', reject);
    // A connection the master hands to a worker just killed is never answered.
    req.setTimeout(10000, () => req.destroy(new Error(`GET ${pathname}: no answer`)));
    req.end();
  });
}

describe('GET /metrics on 2 worker processes (egg-scripts, production build)', function() {
  this.timeout(180000);
  const cluster = productionCluster('metrics-cluster', PORT, {
    MSG_CHANNEL_PREFIX: `im:metrics${process.pid}:ev:`, WS_MAX_PER_SESSION: '20', WS_CONNECT_LIMIT_IP: '100000',
    LOGIN_FAIL_LIMIT_IP: '100000', METRICS_TOKEN: TOKEN, METRICS_COLLECT_TIMEOUT_MS: '3000',
  });

  /** A scrape once both workers answer (right after the start or a restart, the agent may know one). */
  async function scrape(workers = 2): Promise<string> {
    for (let i = 0; ; i++) {
      const res = await get('/metrics');
      assert.equal(res.status, 200, res.text);
      if (sample(res.text, 'im_metrics_workers', { state: 'answered' }) === workers) return res.text;
      assert.ok(i < 100, `${workers} workers never answered:\n${res.text.split('\n').filter(l => l.startsWith('im_metrics')).join('\n')}`);
      await sleep(200);
    }
  }

  /** Access-log lines (`<date> <time> <level> <pid> <method> <path> <status> ...`) of the given request ids -> their worker pid. */
  async function pidsOf(requestIds: string[]): Promise<Map<string, number>> {
    const found = new Map<string, number>();
    for (let i = 0; i < 60 && found.size < requestIds.length; i++) {
      if (i) await sleep(100);
      for (const file of readdirSync(cluster.logs).filter(name => name.startsWith('access'))) {
        for (const line of readFileSync(path.join(cluster.logs, file), 'utf8').split('\n')) {
          const match = /^\S+ \S+ \S+ (\d+) .* rid=(\S+)/.exec(line);
          if (match && requestIds.includes(match[2])) found.set(match[2], Number(match[1]));
        }
      }
    }
    assert.equal(found.size, requestIds.length, 'every request is in the access log');
    return found;
  }

  const health = { method: 'GET', route: '/api/health', status: '200' };
  let seq = 0;

  it('sums the HTTP counters of both workers, whichever serves the scrape, and counts both workers', async () => {
    const before = await scrape();
    assert.equal(sample(before, 'im_metrics_workers', { state: 'missing' }), 0);
    // Requests on fresh connections until both workers have served some.
    const ids: string[] = [];
    let pids = new Map<string, number>();
    for (let round = 0; round < 10 && new Set(pids.values()).size < 2; round++) {
      for (let i = 0; i < 10; i++) {
        const rid = `metrics-${process.pid}-${++seq}`;
        assert.equal((await get('/api/health', { 'X-Request-Id': rid })).status, 200);
        ids.push(rid);
      }
      pids = await pidsOf(ids);
    }
    const perWorker = [ ...pids.values() ].reduce((counts, pid) => counts.set(pid, (counts.get(pid) ?? 0) + 1), new Map<number, number>());
    assert.equal(perWorker.size, 2, 'both workers served /api/health');
    // Several scrapes: they land on either worker, and each sees the sum of both.
    for (let i = 0; i < 4; i++) {
      const after = await scrape();
      assert.equal(sample(after, 'im_http_requests_total', health) - sample(before, 'im_http_requests_total', health), ids.length,
        `the sum over both workers (${[ ...perWorker.values() ].join(' + ')})`);
      assert.equal(sample(after, 'im_http_request_duration_seconds_count', { method: 'GET', route: '/api/health' }) -
        sample(before, 'im_http_request_duration_seconds_count', { method: 'GET', route: '/api/health' }), ids.length);
    }
  });

  it('adds up the open-socket gauges of both workers; a killed worker\'s sockets leave the sum, its replacement is asked', async () => {
    const [ u ] = await insertUsers([{ username: 'metrics_cluster' }]);
    const res = await call(BASE, 'POST', '/api/loginChat', undefined, { username: u.username, password: PASSWORD });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const token = res.body.data.token as string;
    const baseline = sample(await scrape(), 'im_websocket_open_sockets');
    const sockets: Array<{ client: Client; rid: string }> = [];
    let pids = new Map<string, number>();
    for (let i = 0; i < 12 && new Set(pids.values()).size < 2; i++) {
      const rid = `metrics-ws-${process.pid}-${++seq}`;
      const client = new Client(`ws://127.0.0.1:${PORT}/ws?token=${token}`, { headers: { 'X-Request-Id': rid } });
      await client.opened;
      await client.until(() => client.frames.some(f => f?.type === 'system'), 'welcome');
      sockets.push({ client, rid });
      pids = await pidsOf(sockets.map(s => s.rid));
    }
    const perWorker = new Map<number, number>();
    for (const pid of pids.values()) perWorker.set(pid, (perWorker.get(pid) ?? 0) + 1);
    assert.equal(perWorker.size, 2, 'sockets on both workers');
    for (let i = 0; i < 4; i++) assert.equal(sample(await scrape(), 'im_websocket_open_sockets') - baseline, sockets.length);

    // SIGKILL one worker: egg-cluster forks a new one; the scrape asks the new pid, and the sum
    // holds the survivor's sockets only (the killed worker's counters are gone with it).
    const [ killed, survivorSockets ] = [ [ ...perWorker.keys() ][0], [ ...perWorker.values() ][1] ];
    process.kill(killed, 'SIGKILL');
    for (let i = 0; ; i++) {
      const text = await scrape().catch(() => '');
      if (text && sample(text, 'im_websocket_open_sockets') - baseline === survivorSockets) break;
      assert.ok(i < 100, 'the killed worker left the sum');
      await sleep(200);
    }
    // By token as well as by address.
    assert.equal((await get('/metrics', { Authorization: `Bearer ${TOKEN}`, 'X-Forwarded-For': '203.0.113.9' })).status, 200);
    assert.equal((await get('/metrics', { 'X-Forwarded-For': '203.0.113.9' })).status, 404);
    for (const { client } of sockets) client.close();
  });
});
