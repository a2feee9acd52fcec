import { strict as assert } from 'node:assert';
import { app, mm } from 'egg-mock/bootstrap';
import { unreachableRedis } from '../../faults';
import { PASSWORD, register } from '../../helpers';
import { Client, befriend, call, connect, listen, sendText, user } from '../messaging/support';
import { labelValues, sample } from './support';

const TOKEN = 'metrics-token-0123456789abcdef';

describe('GET /metrics (README "Metrics")', () => {
  const server = listen();
  const scrape = async (headers: Record<string, string> = {}) => {
    const res = await fetch(`${server.base}/metrics`, { headers });
    return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
  };
  const metrics = async () => {
    const res = await scrape();
    assert.equal(res.status, 200, res.text);
    return res.text;
  };

  describe('who may scrape', () => {
    it('answers an allowed address (loopback by default) in Prometheus text format', async () => {
      const res = await scrape();
      assert.equal(res.status, 200);
      assert.equal(res.type, 'text/plain; version=0.0.4; charset=utf-8');
      for (const name of [ 'im_http_requests_total', 'im_http_request_duration_seconds', 'im_websocket_open_sockets', 'im_websocket_handshakes_refused_total',
        'im_websocket_disconnects_total', 'im_messages_stored_total', 'im_frames_delivered_total', 'im_inbox_entries_waiting',
        'im_dependency_errors_total', 'im_rate_limit_refusals_total', 'im_metrics_workers', 'process_cpu_user_seconds_total' ]) {
        assert.match(res.text, new RegExp(`^# TYPE ${name} `, 'm'), name);
      }
      // Outside egg-cluster the worker serving the scrape is the only one.
      assert.equal(sample(res.text, 'im_metrics_workers', { state: 'answered' }), 1);
      assert.equal(sample(res.text, 'im_metrics_workers', { state: 'missing' }), 0);
    });

    it('answers the 404 envelope to an address off the list, and everyone when the list is empty and no token is set', async () => {
      mm(app.config.im.metrics, 'allowIps', [ '10.0.0.0/8', '2001:db8::/32' ]);
      let res = await scrape();
      assert.equal(res.status, 404);
      assert.deepEqual(JSON.parse(res.text), { msg: 'fail', data: (await call(server.base, 'GET', '/nowhere')).body.data });
      mm(app.config.im.metrics, 'allowIps', []);
      res = await scrape();
      assert.equal(res.status, 404);
      assert.equal(JSON.parse(res.text).msg, 'fail');
    });

    it('answers a bearer METRICS_TOKEN from any address; a wrong or missing token is refused', async () => {
      mm(app.config.im.metrics, 'allowIps', []);
      mm(app.config.im.metrics, 'token', TOKEN);
      assert.equal((await scrape({ Authorization: `Bearer ${TOKEN}` })).status, 200);
      assert.equal((await scrape({ Authorization: `bearer ${TOKEN}` })).status, 200);
      for (const wrong of [ `Bearer ${TOKEN}x`, `Bearer ${TOKEN.slice(0, -1)}`, TOKEN, 'Bearer ', '' ]) {
        assert.equal((await scrape(wrong ? { Authorization: wrong } : {})).status, 404, wrong);
      }
    });

    it('with TRUST_PROXY off, a request that came through a proxy is not allowed by address, only by token', async () => {
      mm(app.config.im.metrics, 'token', TOKEN);
      for (const header of [ 'X-Forwarded-For', 'X-Real-IP', 'Forwarded' ]) {
        assert.equal((await scrape({ [header]: '127.0.0.1' })).status, 404, header);
        assert.equal((await scrape({ [header]: '127.0.0.1', Authorization: `Bearer ${TOKEN}` })).status, 200, header);
      }
    });

    it('with TRUST_PROXY on, the address is the forwarded client\'s', async () => {
      mm(app.config, 'proxy', true);
      assert.equal((await scrape({ 'X-Forwarded-For': '203.0.113.9' })).status, 404);
      assert.equal((await scrape({ 'X-Forwarded-For': '127.0.0.1' })).status, 200);
    });
  });

  describe('counters', () => {
    it('counts HTTP requests by route pattern (never the raw path with ids) and status, with their latency', async () => {
      const me = await register('metrics01', PASSWORD);
      const other = await register('metrics02', PASSWORD);
      const route = { method: 'GET', route: '/api/chat/history/:user_id' };
      const before = await metrics();
      for (let i = 0; i < 3; i++) assert.equal((await call(server.base, 'GET', `/api/chat/history/${other.id}`, me.token)).status, 200);
      assert.equal((await call(server.base, 'GET', `/api/chat/history/${other.id}`)).status, 401);
      assert.equal((await call(server.base, 'GET', `/api/nowhere/${other.id}`)).status, 404);
      const after = await metrics();
      assert.equal(sample(after, 'im_http_requests_total', { ...route, status: '200' }) - sample(before, 'im_http_requests_total', { ...route, status: '200' }), 3);
      assert.equal(sample(after, 'im_http_requests_total', { ...route, status: '401' }) - sample(before, 'im_http_requests_total', { ...route, status: '401' }), 1);
      const unmatched = { method: 'GET', route: 'unmatched', status: '404' };
      assert.equal(sample(after, 'im_http_requests_total', unmatched) - sample(before, 'im_http_requests_total', unmatched), 1);
      assert.equal(sample(after, 'im_http_request_duration_seconds_count', route) - sample(before, 'im_http_request_duration_seconds_count', route), 4);
      assert.equal(sample(after, 'im_http_request_duration_seconds_bucket', { ...route, le: '+Inf' }) -
        sample(before, 'im_http_request_duration_seconds_bucket', { ...route, le: '+Inf' }), 4);
      const routes = labelValues(after, 'im_http_requests_total', 'route');
      assert.ok(routes.includes('/metrics') && routes.includes('/api/regChat'), routes.join());
      // A raw path would show an id as a segment of digits (`/admin/me/2fa` is a pattern).
      assert.ok(routes.every(r => r === 'unmatched' || !/\/\d+(\/|$)/.test(r)), `no raw path with an id: ${routes.join()}`);
    });

    it('counts sockets open, refused handshakes by reason, and disconnects by close code', async () => {
      const me = await user('metrics03');
      const before = await metrics();
      const clients = [ await connect(server.port, me.token), await connect(server.port, me.token) ];
      assert.equal(sample(await metrics(), 'im_websocket_open_sockets') - sample(before, 'im_websocket_open_sockets'), 2);
      const refused = new Client(`ws://127.0.0.1:${server.port}/ws?token=garbage`);
      assert.equal((await refused.closed).code, 4001);
      clients[0].ws.close(1000);
      assert.equal((await clients[0].closed).code, 1000);
      clients[1].ws.terminate();
      const normal = { code: '1000', reason: 'normal' };
      const dropped = { code: '1006', reason: 'dropped' };
      let after = await metrics();
      for (let i = 0; i < 50 && sample(after, 'im_websocket_open_sockets') !== sample(before, 'im_websocket_open_sockets'); i++) {
        await new Promise(resolve => setTimeout(resolve, 100));
        after = await metrics();
      }
      assert.equal(sample(after, 'im_websocket_open_sockets'), sample(before, 'im_websocket_open_sockets'));
      assert.equal(sample(after, 'im_websocket_disconnects_total', normal) - sample(before, 'im_websocket_disconnects_total', normal), 1);
      assert.equal(sample(after, 'im_websocket_disconnects_total', dropped) - sample(before, 'im_websocket_disconnects_total', dropped), 1);
      const invalid = { reason: 'tokenInvalid' };
      assert.equal(sample(after, 'im_websocket_handshakes_refused_total', invalid) - sample(before, 'im_websocket_handshakes_refused_total', invalid), 1);
    });

    it('counts a message stored, its frame delivered, and an entry waiting in an offline user\'s inbox', async () => {
      mm(app.config.im.metrics, 'inboxCacheMs', 0);
      const sender = await user('metrics04');
      const online = await user('metrics05');
      const offline = await user('metrics06');
      await befriend(sender.id, online.id);
      await befriend(sender.id, offline.id);
      const client = await connect(server.port, online.token);
      const before = await metrics();
      await sendText(server.base, sender.token, online.id, 'to the socket');
      await client.received(1);
      const delivered = await metrics();
      await sendText(server.base, sender.token, offline.id, 'to the inbox');
      const after = await metrics();
      assert.equal(sample(after, 'im_messages_stored_total') - sample(before, 'im_messages_stored_total'), 2);
      assert.equal(sample(after, 'im_frames_delivered_total') - sample(before, 'im_frames_delivered_total'), 1);
      assert.equal(sample(after, 'im_inbox_entries_waiting') - sample(delivered, 'im_inbox_entries_waiting'), 1);
      client.close();
    });

    it('counts requests failed on Redis, and still answers while Redis is unreachable (the inbox sample keeps its last value)', async () => {
      mm(app.config.im.metrics, 'inboxCacheMs', 0);
      const before = await metrics();
      mm(app, 'redis', unreachableRedis(app));
      assert.equal((await call(server.base, 'POST', '/api/loginChat', undefined, { username: 'metrics08', password: PASSWORD })).status, 503);
      const after = await metrics();
      assert.equal(sample(after, 'im_dependency_errors_total', { dependency: 'redis' }) - sample(before, 'im_dependency_errors_total', { dependency: 'redis' }), 1);
      assert.equal(sample(after, 'im_dependency_errors_total', { dependency: 'mysql' }), sample(before, 'im_dependency_errors_total', { dependency: 'mysql' }));
      assert.equal(sample(after, 'im_inbox_entries_waiting'), sample(before, 'im_inbox_entries_waiting'));
    });

    it('counts rate-limit refusals by limit, never by address or username', async () => {
      mm(app.config.im.rateLimit, 'loginFailLimitUserIp', 1);
      await register('metrics07', PASSWORD);
      const before = await metrics();
      for (const status of [ 400, 429 ]) {
        assert.equal((await call(server.base, 'POST', '/api/loginChat', undefined, { username: 'metrics07', password: 'wrong-password' })).status, status);
      }
      const after = await metrics();
      assert.equal(sample(after, 'im_rate_limit_refusals_total', { limit: 'login' }) - sample(before, 'im_rate_limit_refusals_total', { limit: 'login' }), 1);
      assert.deepEqual(labelValues(after, 'im_rate_limit_refusals_total', 'limit').filter(name => /metrics07|127/.test(name)), []);
    });
  });
});
