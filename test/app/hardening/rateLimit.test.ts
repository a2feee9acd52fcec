import { strict as assert } from 'node:assert';
import { app, mm } from 'egg-mock/bootstrap';
import { PASSWORD, post, register } from '../../helpers';
import { keepTestServerListening } from './support';

const TOO_MANY = '请求过于频繁，请稍后再试';

function attemptLogin(username: string, password: string) {
  return post('/api/loginChat').type('form').send({ username, password });
}

function limits(overrides: Partial<typeof app.config.im.rateLimit>) {
  mm(app.config.im, 'rateLimit', { ...app.config.im.rateLimit, ...overrides });
}

async function failLogins(username: string, times: number) {
  for (let i = 0; i < times; i++) await attemptLogin(username, 'wrong-password').expect(400);
}

describe('abuse limits (CONTRACT: Abuse limits)', () => {
  keepTestServerListening();

  it('reads every number from its environment variable, with the contract defaults', () => {
    assert.deepEqual(app.config.im.rateLimit, {
      loginFailLimitUserIp: Number(process.env.LOGIN_FAIL_LIMIT_USER_IP ?? 5),
      loginFailLimitIp: Number(process.env.LOGIN_FAIL_LIMIT_IP ?? 50),
      loginFailWindow: Number(process.env.LOGIN_FAIL_WINDOW ?? 900),
      registerLimitIp: Number(process.env.REGISTER_LIMIT_IP ?? 20),
      registerWindow: Number(process.env.REGISTER_WINDOW ?? 3600),
      loginOkLimitUser: Number(process.env.LOGIN_OK_LIMIT_USER ?? 30),
      loginOkLimitIp: Number(process.env.LOGIN_OK_LIMIT_IP ?? 100),
      loginOkWindow: Number(process.env.LOGIN_OK_WINDOW ?? 900),
      keyPrefix: 'im:rl:',
    });
  });

  describe('failed logins per username + IP', () => {
    it('answers 429 with Retry-After after the limit (default 5), even for the right password', async () => {
      await register('alice');
      const { loginFailLimitUserIp, loginFailWindow } = app.config.im.rateLimit;
      await failLogins('alice', loginFailLimitUserIp);
      const res = await attemptLogin('alice', PASSWORD).expect(429);
      assert.deepEqual(res.body, { msg: 'fail', data: TOO_MANY });
      const retryAfter = Number(res.headers['retry-after']);
      assert.ok(retryAfter > loginFailWindow - 5 && retryAfter <= loginFailWindow, `Retry-After ${retryAfter}`);
    });

    it('counts the username case-insensitively, like accounts', async () => {
      limits({ loginFailLimitUserIp: 2 });
      await failLogins('Bobby', 1);
      await failLogins('bOBBY', 1);
      await attemptLogin('bobby', 'wrong-password').expect(429);
    });

    it('Retry-After is the time left in the window', async () => {
      limits({ loginFailLimitUserIp: 1, loginFailWindow: 60 });
      await failLogins('carol', 1);
      await new Promise(resolve => setTimeout(resolve, 1100));
      const res = await attemptLogin('carol', 'wrong-password').expect(429);
      const retryAfter = Number(res.headers['retry-after']);
      assert.ok(retryAfter >= 58 && retryAfter <= 59, `Retry-After ${retryAfter}`);
    });

    it('lets the user in again once the window has passed', async () => {
      await register('dave1');
      limits({ loginFailLimitUserIp: 1, loginFailWindow: 1 });
      await failLogins('dave1', 1);
      await attemptLogin('dave1', PASSWORD).expect(429);
      await new Promise(resolve => setTimeout(resolve, 1100));
      await attemptLogin('dave1', PASSWORD).expect(200);
    });

    it('one username locked out does not block another username from the same IP', async () => {
      await register('erin1');
      limits({ loginFailLimitUserIp: 2 });
      await failLogins('frank', 2);
      await attemptLogin('frank', 'wrong-password').expect(429);
      await attemptLogin('erin1', PASSWORD).expect(200);
      await attemptLogin('erin1', 'wrong-password').expect(400);
    });

    it('a success resets the username + IP counter', async () => {
      await register('grace');
      limits({ loginFailLimitUserIp: 3 });
      await failLogins('grace', 2);
      await attemptLogin('grace', PASSWORD).expect(200);
      await failLogins('grace', 2); // would be 4 failures in a row without the reset
      await attemptLogin('grace', PASSWORD).expect(200);
      await failLogins('grace', 3);
      await attemptLogin('grace', PASSWORD).expect(429);
    });

    it('a disabled account with the right password (403) is not a failed attempt', async () => {
      const { id } = await register('oscar');
      await app.model.User.update({ status: 0 }, { where: { id } });
      limits({ loginFailLimitUserIp: 2 });
      for (let i = 0; i < 4; i++) await attemptLogin('oscar', PASSWORD).expect(403);
      await failLogins('oscar', 2);
      await attemptLogin('oscar', PASSWORD).expect(429);
    });

    it('counts atomically under concurrent attempts', async () => {
      limits({ loginFailLimitUserIp: 4 });
      const results = await Promise.all(Array.from({ length: 12 }, () => attemptLogin('henry', 'wrong-password')));
      const statuses = results.map(res => res.status).sort();
      assert.deepEqual(statuses, [ ...Array(4).fill(400), ...Array(8).fill(429) ]);
    });
  });

  describe('failed logins per IP', () => {
    it('answers 429 for any username once the IP reached its limit (default 50)', async () => {
      await register('ivan1');
      limits({ loginFailLimitIp: 4 });
      await failLogins('user_a', 2);
      await failLogins('user_b', 2);
      const res = await attemptLogin('user_c', 'wrong-password').expect(429);
      assert.equal(res.body.data, TOO_MANY);
      assert.ok(Number(res.headers['retry-after']) > 0);
      await attemptLogin('ivan1', PASSWORD).expect(429);
    });

    it('successful logins do not use up the IP budget', async () => {
      await register('judy1');
      limits({ loginFailLimitIp: 2 });
      for (let i = 0; i < 4; i++) await attemptLogin('judy1', PASSWORD).expect(200);
      await failLogins('judy1', 2);
      await attemptLogin('judy1', PASSWORD).expect(429);
    });

    it('another IP is not affected (behind a trusted proxy)', async () => {
      mm(app.config, 'proxy', true);
      limits({ loginFailLimitIp: 2 });
      const from = (ip: string) => attemptLogin('kate1', 'wrong-password').set('X-Forwarded-For', ip);
      await from('10.0.0.1').expect(400);
      await from('10.0.0.1').expect(400);
      await from('10.0.0.1').expect(429);
      await from('10.0.0.2').expect(400);
    });
  });

  describe('registrations per IP', () => {
    it('answers 429 after the limit (default 20) with Retry-After', async () => {
      const { registerLimitIp, registerWindow } = app.config.im.rateLimit;
      for (let i = 0; i < registerLimitIp; i++) await register(`reg_${i}`);
      const res = await post('/api/regChat').type('form').send({ username: 'one_more', password: PASSWORD }).expect(429);
      assert.deepEqual(res.body, { msg: 'fail', data: TOO_MANY });
      const retryAfter = Number(res.headers['retry-after']);
      assert.ok(retryAfter > registerWindow - 5 && retryAfter <= registerWindow, `Retry-After ${retryAfter}`);
      const [{ count }] = await app.model.query('SELECT COUNT(*) AS count FROM user', { type: 'SELECT' }) as any[];
      assert.equal(count, registerLimitIp);
    });

    it('a 409 counts (no free username probing); a 422 does not', async () => {
      limits({ registerLimitIp: 3 });
      await register('lisa1');
      const again = () => post('/api/regChat').type('form').send({ username: 'lisa1', password: PASSWORD });
      await again().expect(409);
      for (let i = 0; i < 5; i++) await post('/api/regChat').type('form').send({ username: 'x', password: PASSWORD }).expect(422);
      await again().expect(409);
      await again().expect(429);
      await post('/api/regChat').type('form').send({ username: 'mike1', password: PASSWORD }).expect(429);
    });
  });

  it('keeps its counters in Redis under the im: prefix', async () => {
    await failLogins('nina1', 1);
    const keys = (await app.redis.keys('im:rl:*')).sort();
    // A failure takes a place in the successes per IP too, and gives it back (the key stays at 0).
    assert.deepEqual(keys, [ 'im:rl:{127.0.0.1}:login', 'im:rl:{127.0.0.1}:login:nina1', 'im:rl:{127.0.0.1}:login:ok' ]);
    assert.equal(await app.redis.get('im:rl:{127.0.0.1}:login:ok'), '0');
    await register('nina1');
    await attemptLogin('nina1', PASSWORD).expect(200);
    assert.deepEqual((await app.redis.keys('im:rl:*')).sort(),
      [ 'im:rl:{127.0.0.1}:login', 'im:rl:{127.0.0.1}:login:ok', 'im:rl:{127.0.0.1}:register', 'im:rl:{user:nina1}:login:ok' ]);
  });
});
