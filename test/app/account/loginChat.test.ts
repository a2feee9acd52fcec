import { strict as assert } from 'node:assert';
import crypto from 'node:crypto';
import { app, mm } from 'egg-mock/bootstrap';
import {
  INVALID_CREDENTIALS, ISO_UTC_MS, PASSWORD, VALID_BOUNDARIES, assertFail, assertOk, assertUserObject,
  findUserRow, insertUser, login, post, register, search, sendBody, sessionIds, setUser, tokenPayload,
} from '../../helpers';

const BAD_CREDENTIALS = '账号或密码错误';

function loginForm(username: string, password = PASSWORD) {
  return post('/api/loginChat').type('form').send({ username, password });
}

describe('POST /api/loginChat', () => {
  it('answers the user object with last_login, last_login_ip and a new token (form body)', async () => {
    const registered = await register('my01');
    const user = assertOk(await loginForm('my01'));
    await assertUserObject(user, 'my01');
    const row = await findUserRow('my01');
    assert.match(user.last_login, ISO_UTC_MS);
    assert.equal(user.last_login, row!.last_login!.toISOString());
    assert.equal(user.last_login_ip, '127.0.0.1');
    assert.equal(row!.last_login_ip, '127.0.0.1');
    assert.equal(user.register_time, registered.register_time);
    assert.ok(user.update_time >= registered.update_time);
    assert.notEqual(user.token, registered.token);
    assertOk(await search(user.token, { keyword: 'zzz' }));
  });

  it('accepts a JSON body with the same result', async () => {
    await register('json_user');
    const user = assertOk(await post('/api/loginChat').send({ username: 'json_user', password: PASSWORD }));
    await assertUserObject(user, 'json_user');
    assert.match(user.last_login, ISO_UTC_MS);
  });

  it('takes the client address from X-Forwarded-For only behind a trusted proxy', async () => {
    await register('my01');
    const direct = await loginForm('my01').set('X-Forwarded-For', '203.0.113.9');
    assert.equal(assertOk(direct).last_login_ip, '127.0.0.1');
    mm(app.config, 'proxy', true);
    const proxied = await loginForm('my01').set('X-Forwarded-For', '203.0.113.9');
    assert.equal(assertOk(proxied).last_login_ip, '203.0.113.9');
    assert.equal((await findUserRow('my01'))!.last_login_ip, '203.0.113.9');
  });

  it('finds the account whatever the letter case, and answers the name as stored', async () => {
    await register('My01');
    const user = assertOk(await loginForm('mY01'));
    assert.equal(user.username, 'My01');
  });

  it('opens a new session per login, so earlier tokens keep working', async () => {
    const registered = await register('my01');
    const phone = await login('my01');
    const desktop = await login('my01');
    const sids = [ registered, phone, desktop ].map(user => tokenPayload(user.token).sid);
    assert.equal(new Set(sids).size, 3);
    assert.deepEqual((await sessionIds(registered.id)).sort(), [ ...sids ].sort());
    for (const user of [ registered, phone, desktop ]) assertOk(await search(user.token, { keyword: 'zzz' }));
  });

  it('keeps the session in Redis for TOKEN_TTL seconds', async () => {
    mm(app.config.im.token, 'ttlSeconds', 120);
    const { id, token } = await register('my01');
    const claims = tokenPayload(token);
    assert.equal(Number(claims.exp) - Number(claims.iat), 120);
    const key = app.config.im.session.keyPrefix + id;
    // The session's score is when it opened (Redis' clock, in µs): the token's iat second.
    const openedAtSeconds = Number(await app.redis.zscore(key, String(claims.sid))) / 1e6;
    assert.ok(Math.abs(openedAtSeconds - Number(claims.iat)) <= 1, `opened ${openedAtSeconds}, iat ${claims.iat}`);
    const pttl = await app.redis.pttl(key);
    assert.ok(pttl > 0 && pttl <= 120_000, `pttl ${pttl}`);
  });

  it('with SESSION_POLICY=single revokes the older sessions', async () => {
    mm(app.config.im.session, 'policy', 'single');
    const registered = await register('my01');
    const first = await login('my01');
    const second = await login('my01');
    assert.deepEqual(await sessionIds(second.id), [ tokenPayload(second.token).sid ]);
    for (const old of [ registered, first ]) {
      assertFail(await search(old.token, { keyword: 'zzz' }), 401, 'Token 令牌不合法！');
    }
    assertOk(await search(second.token, { keyword: 'zzz' }));
  });

  it('holds at most SESSION_MAX sessions, revoking the oldest first', async () => {
    mm(app.config.im.session, 'max', 2);
    const registered = await register('my01');
    const first = await login('my01');
    const second = await login('my01');
    assert.equal((await sessionIds(registered.id)).length, 2);
    assertFail(await search(registered.token, { keyword: 'zzz' }), 401, 'Token 令牌不合法！');
    for (const live of [ first, second ]) assertOk(await search(live.token, { keyword: 'zzz' }));
  });

  it('rehashes a password stored with other scrypt parameters on login', async () => {
    await register('my01');
    const cost = app.config.im.password.cost * 2;
    mm(app.config.im.password, 'cost', cost);
    await login('my01');
    assert.match((await findUserRow('my01'))!.password, new RegExp(`^scrypt\\$${cost}\\$8\\$1\\$`));
    await login('my01');
  });

  describe('failures', () => {
    it('answers 400 with one text for a wrong password and for an unknown user, opening no session', async () => {
      const { id } = await register('my01');
      const wrong = await loginForm('my01', 'wrong-password');
      const unknown = await loginForm('nobody', PASSWORD);
      assertFail(wrong, 400, BAD_CREDENTIALS);
      assertFail(unknown, 400, BAD_CREDENTIALS);
      const row = await findUserRow('my01');
      assert.equal(row!.last_login, null);
      assert.equal((await sessionIds(id)).length, 1);
    });

    it('spends the same scrypt work on an unknown user as on a wrong password', async () => {
      await register('my01');
      // Warm the decoy hash an unknown user is checked against, then count derivations.
      await loginForm('nobody');
      const calls: number[] = [];
      const scrypt = crypto.scrypt;
      mm(crypto, 'scrypt', (...args: any[]) => {
        calls.push(args[3].N);
        return (scrypt as any)(...args);
      });
      assertFail(await loginForm('my01', 'wrong-password'), 400, BAD_CREDENTIALS);
      const wrongPassword = calls.splice(0);
      assertFail(await loginForm('nobody'), 400, BAD_CREDENTIALS);
      assert.deepEqual(calls, wrongPassword);
      assert.deepEqual(calls, [ app.config.im.password.cost ]);
    });

    it('answers 403 for a disabled account only after the right password', async () => {
      const { id } = await register('my01');
      await setUser(id, { status: 0 });
      assertFail(await loginForm('my01'), 403, '账号已被禁用');
      assertFail(await loginForm('my01', 'wrong-password'), 400, BAD_CREDENTIALS);
      assert.equal((await findUserRow('my01'))!.last_login, null);
      assert.equal((await sessionIds(id)).length, 1);
    });

    it('treats a deleted account as unknown', async () => {
      const { id } = await insertUser({ username: 'gone01', is_deleted: 1 });
      assertFail(await loginForm('gone01'), 400, BAD_CREDENTIALS);
      assertFail(await loginForm('gone01', 'wrong-password'), 400, BAD_CREDENTIALS);
      assert.deepEqual(await sessionIds(id), []);
    });

    describe('validation: 422 naming the field and the rule', () => {
      for (const body of INVALID_CREDENTIALS) {
        it(body.title, async () => {
          assertFail(await sendBody('/api/loginChat', body), 422, body.reason);
        });
      }
    });
  });

  describe('validation boundaries that pass', () => {
    for (const { title, username, password } of VALID_BOUNDARIES) {
      it(title, async () => {
        await post('/api/regChat').send({ username, password }).expect(200);
        assert.equal(assertOk(await post('/api/loginChat').type('form').send({ username, password })).username, username);
        assertFail(await post('/api/loginChat').send({ username, password: 'wrong-password' }), 400, BAD_CREDENTIALS);
      });
    }
  });

  it('never writes the password or the token to the logs', async () => {
    const password = 'Sup3r-secret-pw';
    app.mockLog();
    app.mockLog('coreLogger');
    await register('my01', password);
    const { token } = await login('my01', password);
    await loginForm('my01', 'wrong-password-x');
    await search(token, { keyword: 'zzz' });
    for (const logger of [ 'logger', 'coreLogger' ]) {
      app.notExpectLog(password, logger);
      app.notExpectLog('wrong-password-x', logger);
      app.notExpectLog(token, logger);
    }
  });
});
