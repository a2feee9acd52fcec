import { strict as assert } from 'node:assert';
import { app } from 'egg-mock/bootstrap';
import { post, register } from '../../helpers';

function assertSecurityHeaders(res: { status: number; headers: Record<string, string> }) {
  const where = `status ${res.status}`;
  assert.equal(res.headers['x-content-type-options'], 'nosniff', where);
  assert.equal(res.headers['x-frame-options'], 'SAMEORIGIN', where);
  assert.equal(res.headers['x-download-options'], 'noopen', where);
  assert.match(res.headers['content-type'], /^application\/json/, where);
  // No framework banner.
  assert.equal(res.headers['x-powered-by'], undefined, where);
  assert.equal(res.headers.server, undefined, where);
}

describe('security headers on every response', () => {
  it('200', async () => {
    await register('head1');
    const res = await post('/api/loginChat').type('form').send({ username: 'head1', password: 'secret123' }).expect(200);
    assertSecurityHeaders(res);
  });

  it('400, 401, 404, 413, 422, 429', async () => {
    assertSecurityHeaders(await post('/api/loginChat').type('form').send({ username: 'nobody', password: 'secret123' }).expect(400));
    assertSecurityHeaders(await post('/api/chat/searchUser').send({ keyword: 'a' }).expect(401));
    assertSecurityHeaders(await app.httpRequest().get('/nowhere').expect(404));
    assertSecurityHeaders(await post('/api/regChat').type('json').send({ username: 'x'.repeat(20000) }).expect(413));
    assertSecurityHeaders(await post('/api/regChat').type('json').send('{"username":').expect(422));
    assertSecurityHeaders(await post('/api/regChat').send({}).expect(422));
    app.mockService('rateLimit', 'take', async () => {
      const { RateLimitedError } = await import('../../../app/lib/errors');
      throw new RateLimitedError(10);
    });
    assertSecurityHeaders(await post('/api/regChat').type('form').send({ username: 'head2', password: 'secret123' }).expect(429));
  });

  it('500 and 503', async () => {
    app.mockService('account.user', 'login', async () => {
      throw new Error('boom at /srv/app/secret.ts');
    });
    const internal = await post('/api/loginChat').type('form').send({ username: 'head3', password: 'secret123' }).expect(500);
    assertSecurityHeaders(internal);
    assert.deepEqual(internal.body, { msg: 'fail', data: 'Internal Server Error' });
    app.mockService('account.user', 'register', async () => {
      const err = new Error('connect ECONNREFUSED 127.0.0.1:3306');
      err.name = 'SequelizeConnectionRefusedError';
      throw err;
    });
    assertSecurityHeaders(await post('/api/regChat').type('form').send({ username: 'head3', password: 'secret123' }).expect(503));
  });

  it('TRACE and other methods answer in the envelope, never a 500', async () => {
    for (const method of [ 'trace', 'options', 'put', 'delete', 'patch' ] as const) {
      const res = await (app.httpRequest() as any)[method]('/api/regChat');
      assert.ok(res.status >= 400 && res.status < 500, `${method} -> ${res.status}`);
      assert.equal(res.body.msg, 'fail');
      assertSecurityHeaders(res);
    }
  });
});
