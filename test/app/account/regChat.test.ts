import { strict as assert } from 'node:assert';
import { app, mm } from 'egg-mock/bootstrap';
import {
  INVALID_CREDENTIALS, PASSWORD, VALID_BOUNDARIES, assertFail, assertOk, assertUserObject, countUsers,
  expectedLocalTime, findUserRow, post, postConcurrently, register, search, sendBody, sessionIds, tokenPayload,
} from '../../helpers';

describe('POST /api/regChat', () => {
  it('creates the user from a form body and answers the exact user object with a usable token', async () => {
    const res = await post('/api/regChat').type('form').send({ username: 'my01', password: PASSWORD });
    const user = assertOk(res);
    assert.equal(user.username, 'my01');
    assert.equal(user.last_login, null);
    assert.equal(user.last_login_ip, null);
    await assertUserObject(user, 'my01');
    assert.deepEqual(await sessionIds(user.id), [ tokenPayload(user.token).sid ]);
    assertOk(await search(user.token, { keyword: 'zzz' }));
  });

  it('accepts a JSON body with the same result', async () => {
    const user = assertOk(await post('/api/regChat').send({ username: 'json_user', password: PASSWORD }));
    assert.equal(user.last_login, null);
    await assertUserObject(user, 'json_user');
    assertOk(await search(user.token, { keyword: 'zzz' }));
  });

  it('stores a salted scrypt hash with its parameters, never the password', async () => {
    await register('hash01');
    await register('hash02');
    const [ one, two ] = [ await findUserRow('hash01'), await findUserRow('hash02') ];
    const { cost, blockSize, parallelization } = app.config.im.password;
    for (const row of [ one!, two! ]) {
      assert.match(row.password, new RegExp(`^scrypt\\$${cost}\\$${blockSize}\\$${parallelization}\\$[A-Za-z0-9+/=]+\\$[A-Za-z0-9+/=]+$`));
      assert.ok(!row.password.includes(PASSWORD));
    }
    assert.notEqual(one!.password, two!.password, 'same password, different salt');
  });

  it('shows create_time in APP_TIMEZONE', async () => {
    mm(app.config.im.user, 'timezone', '-05:30');
    const user = await register('tz_user');
    assert.equal(user.create_time, expectedLocalTime(user.register_time, -330));
  });

  it('records the socket address, and X-Forwarded-For only behind a trusted proxy', async () => {
    const direct = await post('/api/regChat').set('X-Forwarded-For', '203.0.113.9')
      .send({ username: 'direct', password: PASSWORD });
    assert.equal(assertOk(direct).register_ip, '127.0.0.1');

    mm(app.config, 'proxy', true);
    const proxied = await post('/api/regChat').set('X-Forwarded-For', '203.0.113.9, 10.0.0.1')
      .send({ username: 'proxied', password: PASSWORD });
    assert.equal(assertOk(proxied).register_ip, '203.0.113.9');
    assert.equal((await findUserRow('proxied'))!.register_ip, '203.0.113.9');
  });

  describe('validation: 422 naming the field and the rule, nothing stored', () => {
    for (const body of INVALID_CREDENTIALS) {
      it(body.title, async () => {
        assertFail(await sendBody('/api/regChat', body), 422, body.reason);
        assert.equal(await countUsers(), 0);
        // im:proc:<id> is this process's liveness key (the hub's dependency watch), not the request's.
        assert.deepEqual((await app.redis.keys('im:*')).filter(key => !key.startsWith('im:proc:')), []);
      });
    }

    it('reports a malformed JSON body as 422', async () => {
      const res = await post('/api/regChat').type('json').send('{"username":"abcd",');
      assertFail(res, 422, '请求体格式错误');
    });
  });

  describe('validation boundaries that pass', () => {
    for (const { title, username, password } of VALID_BOUNDARIES) {
      it(title, async () => {
        const user = assertOk(await post('/api/regChat').send({ username, password }));
        assert.equal(user.username, username);
        assert.equal((await findUserRow(username))!.username, username);
      });
    }
  });

  describe('duplicates', () => {
    it('answers 409 for a taken name and changes nothing', async () => {
      const first = await register('my01');
      const res = await post('/api/regChat').type('form').send({ username: 'my01', password: 'other-password' });
      assertFail(res, 409, '该账号已存在，请换一个账号注册');
      assert.equal(await countUsers(), 1);
      assert.deepEqual(await sessionIds(first.id), [ tokenPayload(first.token).sid ]);
    });

    it('treats names differing only in letter case as the same account, stored as first typed', async () => {
      await register('My01');
      for (const username of [ 'my01', 'MY01', 'mY01' ]) {
        assertFail(await post('/api/regChat').send({ username, password: PASSWORD }), 409, '该账号已存在，请换一个账号注册');
      }
      assert.equal(await countUsers(), 1);
      assert.equal((await findUserRow('my01'))!.username, 'My01');
    });

    it('lets exactly one of 20 concurrent registrations of one name win, the rest 409, never 5xx', async () => {
      const names = Array.from({ length: 20 }, (_, i) => [ 'race01', 'RACE01', 'Race01' ][i % 3]);
      const answers = await postConcurrently('/api/regChat', names.map(username => ({ username, password: PASSWORD })));
      const statuses = answers.map(res => res.status);
      assert.equal(statuses.filter(s => s === 200).length, 1, `statuses: ${statuses}`);
      assert.equal(statuses.filter(s => s === 409).length, 19, `statuses: ${statuses}`);
      for (const res of answers.filter(r => r.status === 409)) assertFail(res, 409, '该账号已存在，请换一个账号注册');
      assert.equal(await countUsers(), 1);
      const winner = answers.find(res => res.status === 200)!.body.data;
      assert.deepEqual(await sessionIds(winner.id), [ tokenPayload(winner.token).sid ]);
      assert.deepEqual(await app.redis.keys(`${app.config.im.session.keyPrefix}*`), [ `${app.config.im.session.keyPrefix}${winner.id}` ]);
    });
  });

  it('leaves no row behind when the session cannot be stored', async () => {
    mm(app.redis, 'openSession', async () => {
      throw new Error('Connection is closed.');
    });
    const res = await post('/api/regChat').send({ username: 'half01', password: PASSWORD });
    assertFail(res, 503, '服务暂不可用，请稍后再试');
    assert.equal(await countUsers(), 0);
    assert.deepEqual(await app.redis.keys(`${app.config.im.session.keyPrefix}*`), []);

    mm.restore();
    await register('half01');
  });
});
