import { strict as assert } from 'node:assert';
import { app, mock } from 'egg-mock/bootstrap';
import { Repositories } from '../../app/repository';
import { assertClosed, CLOSED_PORT, mysqlAt, silentServer, unreachableRedis } from '../faults';

const health = () => app.httpRequest().get('/api/health');

describe('GET /api/health', () => {
  it('answers 200 with both dependencies up, without a token', async () => {
    const res = await health().expect(200);
    assert.deepEqual(res.body, { msg: 'ok', data: { mysql: 'up', redis: 'up' } });
  });

  it('answers 503 naming Redis when Redis is unreachable', async () => {
    await assertClosed(CLOSED_PORT);
    mock(app, 'redis', unreachableRedis(app));
    const res = await health().expect(503);
    assert.deepEqual(res.body, { msg: 'fail', data: { mysql: 'up', redis: 'down' } });
  });

  it('answers 503 naming MySQL when MySQL is unreachable', async () => {
    await assertClosed(CLOSED_PORT);
    const mysql = mysqlAt(CLOSED_PORT);
    mock(app, 'repos', new Repositories(mysql));
    try {
      const res = await health().expect(503);
      assert.deepEqual(res.body, { msg: 'fail', data: { mysql: 'down', redis: 'up' } });
    } finally {
      await mysql.close();
    }
  });

  it('answers within its time box when MySQL accepts connections but never replies', async () => {
    const hung = await silentServer(CLOSED_PORT - 1);
    const mysql = mysqlAt(CLOSED_PORT - 1, 10_000);
    mock(app, 'repos', new Repositories(mysql));
    mock(app.config.im.health, 'timeoutMs', 300);
    try {
      const started = Date.now();
      const res = await health().expect(503);
      assert.deepEqual(res.body.data, { mysql: 'down', redis: 'up' });
      // CONTRACT: 503 "answered within a few seconds, never a hang" (the ping would wait 10 s).
      assert(Date.now() - started < 2000, `took ${Date.now() - started} ms`);
    } finally {
      hung.close();
      await mysql.close().catch(() => undefined);
    }
  });
});
