import { strict as assert } from 'node:assert';
import { app } from 'egg-mock/bootstrap';
import { PASSWORD, register } from '../../helpers';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('request id and access log (app/middleware/accessLog.ts)', () => {
  it('returns the X-Request-Id the client sent', async () => {
    const res = await app.httpRequest().get('/api/health').set('X-Request-Id', 'client-42.a:b_c').expect(200);
    assert.equal(res.headers['x-request-id'], 'client-42.a:b_c');
  });

  it('generates a UUID when none is sent, or when the one sent is unsafe or too long', async () => {
    const none = await app.httpRequest().get('/api/health');
    assert.match(none.headers['x-request-id'], UUID);
    for (const bad of [ 'a b', 'x'.repeat(65), '<script>', 'a/b', 'a;b' ]) {
      const res = await app.httpRequest().post('/api/nowhere').set('X-Request-Id', bad).expect(404);
      assert.match(res.headers['x-request-id'], UUID, bad);
    }
  });

  it('sets the id on failures too', async () => {
    const res = await app.httpRequest().post('/api/chat/logout').set('X-Request-Id', 'fail-1').expect(401);
    assert.equal(res.headers['x-request-id'], 'fail-1');
  });

  it('writes one line per request with method, path, status, duration, id and user, never a password or token', async () => {
    app.mockLog('accessLogger');
    const user = await register('log_user', PASSWORD);
    await app.httpRequest().post('/api/chat/searchUser?token=leak').set('token', user.token).set('X-Request-Id', 'search-1')
      .send({ keyword: 'log' }).expect(200);
    await app.httpRequest().post('/api/loginChat').set('X-Request-Id', 'login-1')
      .send({ username: 'log_user', password: 'wrong-password' }).expect(400);

    app.expectLog(new RegExp(`POST /api/regChat 200 \\d+\\.\\dms rid=\\S+ ip=127\\.0\\.0\\.1 uid=${user.id}$`, 'm'), 'accessLogger');
    app.expectLog(new RegExp(`POST /api/chat/searchUser 200 \\d+\\.\\dms rid=search-1 ip=\\S+ uid=${user.id}$`, 'm'), 'accessLogger');
    app.expectLog(/POST \/api\/loginChat 400 \d+\.\dms rid=login-1 ip=\S+ uid=-$/m, 'accessLogger');
    app.notExpectLog(PASSWORD, 'accessLogger');
    app.notExpectLog('wrong-password', 'accessLogger');
    app.notExpectLog(user.token, 'accessLogger');
    app.notExpectLog(user.token.split('.')[1], 'accessLogger');
    app.notExpectLog('leak', 'accessLogger');
  });
});
