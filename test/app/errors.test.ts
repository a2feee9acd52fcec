import { strict as assert } from 'node:assert';
import { app, mm } from 'egg-mock/bootstrap';
import { PASSWORD, assertFail, assertOk, post, register } from '../helpers';

const METHODS = [ 'get', 'post', 'put', 'patch', 'delete', 'options' ] as const;

function request(method: string, path: string) {
  return (app.httpRequest() as any)[method](path);
}

describe('errors and the envelope', () => {
  describe('404 in the envelope for any unknown route, with any method', () => {
    for (const path of [ '/', '/api', '/api/', '/api/unknown', '/api/chat', '/api/chat/unknown', '/favicon.ico', '/robots.txt', '/public/x.js' ]) {
      it(path, async () => {
        for (const method of METHODS) assertFail(await request(method, path), 404, '404 错误');
      });
    }

    it('known paths with another method than POST', async () => {
      for (const path of [ '/api/regChat', '/api/loginChat', '/api/chat/logout', '/api/chat/searchUser' ]) {
        for (const method of METHODS.filter(m => m !== 'post')) assertFail(await request(method, path), 404, '404 错误');
      }
    });

    it('TRACE, which Egg refuses before routing', async () => {
      for (const path of [ '/', '/api/regChat', '/api/chat/searchUser' ]) assertFail(await request('trace', path), 404, '404 错误');
    });

    it('paths that try to traverse directories', async () => {
      for (const path of [ '/%2e%2e/%2e%2e/etc/passwd', '/api/..%2f..%2fetc/passwd', '/api/chat/%2e%2e/regChat' ]) {
        assertFail(await request('post', path), 404, '404 错误');
      }
    });

    it('HEAD answers 404 with a JSON content type', async () => {
      const res = await request('head', '/api/regChat');
      assert.equal(res.status, 404);
      assert.match(res.headers['content-type'], /^application\/json/);
    });
  });

  describe('request bodies', () => {
    it('422 for malformed JSON', async () => {
      for (const body of [ '{"username":', '{username:"abcd"}', 'null x' ]) {
        assertFail(await post('/api/loginChat').type('json').send(body), 422, '请求体格式错误');
      }
    });

    it('413 for a body over the limit, JSON or form', async () => {
      const password = 'x'.repeat(20 * 1024);
      assertFail(await post('/api/regChat').send({ username: 'big_json', password }), 413, '请求体过大');
      assertFail(await post('/api/regChat').type('form').send({ username: 'big_form', password }), 413, '请求体过大');
    });

    it('treats a body of another content type as empty', async () => {
      const res = await post('/api/regChat').type('text/plain').send(`username=abcd&password=${PASSWORD}`);
      assertFail(res, 422, 'username 不能为空');
    });
  });

  describe('500', () => {
    it('answers only "Internal Server Error": no stack, SQL, path or host; the server log has the stack', async () => {
      const { token } = await register('my01');
      const internals = 'ER_PARSE_ERROR: near \'SELECT password FROM user\' at /work/app/service/search.ts:12 host db-01.internal';
      app.mockService('account.search', 'users', async () => {
        throw new Error(internals);
      });
      app.mockLog();
      const res = await post('/api/chat/searchUser').set('token', token).send({ keyword: 'abc' });
      assertFail(res, 500, 'Internal Server Error');
      assert.ok(!res.text.includes('search.ts'));
      assert.ok(!res.text.includes('errors.test'));
      // Logged with its stack (down to the frame that threw, here in this file), to be fixed.
      app.expectLog(/\[errorHandler\] POST \/api\/chat\/searchUser -> 500 Error: ER_PARSE_ERROR[^\n]*\n\s+at [^\n]*test\/app\/errors\.test\.ts/);
    });

    it('logs a real Sequelize error with its message and stack, and answers the plain envelope', async () => {
      const { token } = await register('my01');
      app.mockService('account.search', 'users', async () => app.model.query('SELECT password FROM'));
      app.mockLog();
      const res = await post('/api/chat/searchUser').set('token', token).send({ keyword: 'abc' });
      assertFail(res, 500, 'Internal Server Error');
      assert.ok(!/SQL|password|\bat\b/.test(res.text));
      app.expectLog(/-> 500 SequelizeDatabaseError: You have an error in your SQL syntax[^\n]*\n\s+at /);
    });

    it('a MySQL or Redis failure (503) is logged with name and message only', async () => {
      const { token } = await register('my01');
      app.mockService('account.search', 'users', async () => {
        throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:3306'), { code: 'ECONNREFUSED' });
      });
      app.mockLog();
      assertFail(await post('/api/chat/searchUser').set('token', token).send({ keyword: 'abc' }), 503, '服务暂不可用，请稍后再试');
      app.expectLog('[errorHandler] POST /api/chat/searchUser -> 503 Error: connect ECONNREFUSED 127.0.0.1:3306');
      app.notExpectLog(/\n\s+at [^\n]*test\/app\/errors\.test\.ts/);
    });

    it('also for an error thrown while the session is checked', async () => {
      const { token } = await register('my01');
      mm(app.redis, 'zscore', async () => {
        throw new TypeError('Cannot read properties of undefined (reading \'x\') at /work/app/service/session.ts');
      });
      assertFail(await post('/api/chat/logout').set('token', token), 500, 'Internal Server Error');
    });
  });

  describe('CSRF is off for the token API, the other protections stay', () => {
    it('answers a cross-site form POST carrying a cookie and no CSRF token', async () => {
      const res = await post('/api/regChat').set('Cookie', 'csrfToken=abc').set('Origin', 'https://evil.example')
        .type('form').send({ username: 'my01', password: PASSWORD });
      assertOk(res);
      assert.equal(res.headers['set-cookie'], undefined, 'no cookie is ever set');
    });

    it('keeps Egg\'s security headers on answers', async () => {
      const { token } = await register('my01');
      const ok = await post('/api/chat/searchUser').set('token', token).send({ keyword: 'abc' });
      assertOk(ok);
      assert.equal(ok.headers['x-content-type-options'], 'nosniff');
      assert.equal(ok.headers['x-frame-options'], 'SAMEORIGIN');
    });
  });
});
