// CONTRACT visitor routes, steps 1-5, on all three routes: the signature header, the fields,
// the signature, the request time, then the limits.
import { strict as assert } from 'node:assert';
import { app, mm } from 'egg-mock/bootstrap';
import { PASSWORD, assertFail, assertOk, insertUser, register } from '../../helpers';
import { keepTestServerListening } from '../hardening/support';
import {
  CLIENT_SALT, LOGIN_CHAT, REGISTER, REG_CHAT, SendOptions, VISITOR_ROUTES, arrive, newDeviceId, send, signOf, visitorSettings,
  withCredentials,
} from './support';

const MISSING = '非法访问';
const BAD_SIGN = '非法签名';
const EXPIRED = '请求已过期';
const INVALID_DEVICE = '无效标识';
const TOO_MANY = '请求过于频繁，请稍后再试';

/** A body that passes every check of `route` (a fresh device, the time now). */
function validBody(route: string, deviceId = newDeviceId()): Record<string, unknown> {
  const body: Record<string, unknown> = { deviceId, timestamp: Date.now() };
  if (route !== REGISTER) Object.assign(body, { username: `u${deviceId.slice(0, 8)}`, password: PASSWORD });
  return body;
}

/** Sends a body that passes every check; for visitorloginChat its user is inserted first. */
async function assertPasses(route: string, body: Record<string, unknown>, options: SendOptions = {}) {
  if (route === LOGIN_CHAT) await insertUser({ username: String(body.username) });
  return assertOk(await send(route, body, options));
}

describe('visitor routes: signature, time, fields and limits', () => {
  keepTestServerListening();

  it('the salt defaults to the course client\'s, from VISITOR_SIGN_SALT', () => {
    assert.equal(app.config.im.visitors.signSalt, process.env.VISITOR_SIGN_SALT ?? CLIENT_SALT);
    assert.deepEqual(
      { ...app.config.im.visitors, signSalt: undefined },
      {
        signSalt: undefined,
        retentionDays: Number(process.env.VISITOR_RETENTION_DAYS ?? 90),
        deviceLimit: Number(process.env.VISITOR_DEVICE_LIMIT ?? 5),
        deviceWindow: Number(process.env.VISITOR_DEVICE_WINDOW ?? 3600),
        twinMs: Number(process.env.VISITOR_TWIN_MS ?? 10000),
        newLimitIp: Number(process.env.VISITOR_NEW_LIMIT_IP ?? 20),
        newWindow: Number(process.env.VISITOR_NEW_WINDOW ?? 3600),
        purgeBatch: 500,
      });
  });

  for (const route of VISITOR_ROUTES) {
    describe(route, () => {
      it('(1) no X-Security-Sign, or an empty one: 400 非法访问, before any field check', async () => {
        assertFail(await send(route, validBody(route), { sign: null }), 400, MISSING);
        assertFail(await send(route, validBody(route), { sign: '' }), 400, MISSING);
        assertFail(await send(route, {}, { sign: null }), 400, MISSING);
        assertFail(await send(route, { deviceId: 'short', timestamp: 'x' }, { sign: null, form: true }), 400, MISSING);
        assertFail(await send(route, validBody(route), { sign: null, language: 'en' }), 400, 'Access denied: the request is not signed');
      });

      it('a body that is not valid JSON: 422 请求体格式错误 before (1), from the body parser', async () => {
        assertFail(await app.httpRequest().post(route).type('json').send('{"deviceId":'), 422, '请求体格式错误');
      });

      it('(2) deviceId missing or not 36-64 of A-Z a-z 0-9 _ -: 422 无效标识, before the signature', async () => {
        const cases: unknown[] = [
          undefined, null, '', 'a'.repeat(35), 'a'.repeat(65), `${'a'.repeat(35)}.`, `${'a'.repeat(35)} `, `${'a'.repeat(35)}/`,
          `${'a'.repeat(35)}é`, `${'a'.repeat(35)}%`, `fallback-${'x'.repeat(60)}`, 1234567890123456, [ newDeviceId() ], { id: 1 },
        ];
        for (const deviceId of cases) {
          const body = { ...validBody(route), deviceId };
          assertFail(await send(route, body, { sign: 'a-wrong-sign' }), 422, INVALID_DEVICE);
        }
        assertFail(await send(route, { deviceId: 'x' }, { language: 'en' }), 422, 'Invalid device id');
      });

      it('(2) deviceId of 36 to 64 such characters passes, the client\'s 45-character fallback ids too', async () => {
        visitorSettings({ deviceLimit: 100, newLimitIp: 100 });
        for (const deviceId of [ 'a'.repeat(36), `${'Z'.repeat(32)}_-_-${'9'.repeat(28)}`, `fallback-${newDeviceId()}` ]) {
          assert.equal((await assertPasses(route, validBody(route, deviceId))).devicefingeruuid, route === LOGIN_CHAT ? '' : deviceId);
        }
      });

      it('(2) timestamp missing: 422 timestamp 不能为空; not an integer of ms: 422 timestamp 格式不正确', async () => {
        const deviceId = newDeviceId();
        for (const timestamp of [ undefined, null ]) {
          assertFail(await send(route, { ...validBody(route, deviceId), timestamp }, { sign: 'x' }), 422, 'timestamp 不能为空');
        }
        for (const timestamp of [ '', 'abc', '12a', '-1', -1, 1.5, '1.5', ' 1', '01', '1e12', 1e21, '99999999999999999', true, [ 1 ], {}]) {
          assertFail(await send(route, { ...validBody(route, deviceId), timestamp }, { sign: 'x' }), 422, 'timestamp 格式不正确');
        }
        assertFail(await send(route, { deviceId, timestamp: 'x' }, { sign: 'x', language: 'en' }), 422, 'timestamp is not a valid timestamp');
      });

      it('(3) a wrong signature: 400 非法签名, checked before the time', async () => {
        const body = validBody(route);
        const right = signOf(body.deviceId, body.timestamp);
        const wrong = [
          'x', right.slice(1), `${right}0`, signOf(newDeviceId(), body.timestamp), signOf(body.deviceId, Number(body.timestamp) + 1),
          signOf(body.deviceId, body.timestamp, 'another-salt'), signOf(body.deviceId, body.timestamp, ''),
          `${right.slice(0, 63)}${right[63] === '0' ? '1' : '0'}`,
        ];
        for (const sign of wrong) assertFail(await send(route, body, { sign }), 400, BAD_SIGN);
        const old = { ...body, timestamp: Date.now() - 3_600_000 };
        assertFail(await send(route, old, { sign: 'x' }), 400, BAD_SIGN);
        assertFail(await send(route, body, { sign: 'x', language: 'en' }), 400, 'Invalid signature');
      });

      it('(3) the signature is hex SHA-256 of deviceId={d}&salt={salt}&timestamp={t}APP_SECRET, either letter case', async () => {
        visitorSettings({ deviceLimit: 100 });
        const body = validBody(route);
        await assertPasses(route, body, { sign: signOf(body.deviceId, body.timestamp).toUpperCase() });
        // Form bodies carry the timestamp as text; it is signed as sent.
        await assertPasses(route, validBody(route), { form: true });
      });

      it('(3) VISITOR_SIGN_SALT changes the salt', async () => {
        visitorSettings({ signSalt: 'my-own-salt' });
        const body = validBody(route);
        assertFail(await send(route, body, { sign: signOf(body.deviceId, body.timestamp, CLIENT_SALT) }), 400, BAD_SIGN);
        await assertPasses(route, body, { sign: signOf(body.deviceId, body.timestamp, 'my-own-salt') });
      });

      it('(4) a request time more than 300 s away, past or future: 400 请求已过期', async () => {
        for (const offset of [ -301_000, 301_000, -3_600_000, 86_400_000 ]) {
          assertFail(await send(route, { ...validBody(route), timestamp: Date.now() + offset }), 400, EXPIRED);
        }
        assertFail(await send(route, { ...validBody(route), timestamp: 0 }), 400, EXPIRED);
        assertFail(await send(route, { ...validBody(route), timestamp: Date.now() - 400_000 }, { language: 'en' }), 400,
          'The request has expired, check the device clock');
      });

      it('(4) within 300 s either way passes', async () => {
        visitorSettings({ deviceLimit: 100, newLimitIp: 100 });
        for (const offset of [ -290_000, 290_000 ]) await assertPasses(route, { ...validBody(route), timestamp: Date.now() + offset });
      });

      it('(2) before (3): a bad field with a bad signature answers the field\'s 422', async () => {
        const res = await send(route, { deviceId: newDeviceId(), timestamp: Date.now(), username: 'ab', password: PASSWORD }, { sign: 'x' });
        if (route === REGISTER) assertFail(res, 400, BAD_SIGN);
        else assertFail(res, 422, 'username 长度应为 4-20 位');
      });
    });
  }

  describe('(5) calls per device: 5 per hour over the three routes', () => {
    it('counts visitorRegister (a visitor created), visitorregChat and visitorloginChat together; the 6th answers 429 with Retry-After', async () => {
      const deviceId = newDeviceId();
      await register('dev_user');
      await register('dev_use2');
      await arrive(deviceId);
      await arrive(deviceId); // re-entry: not counted (CONTRACT-client-behaviour §3)
      await withCredentials(LOGIN_CHAT, deviceId, 'dev_user');
      assertFail(await send(REG_CHAT, { deviceId, timestamp: Date.now(), username: 'dev_user', password: PASSWORD }), 409,
        '该账号已存在，请换一个账号注册');
      assertFail(await send(REG_CHAT, { deviceId, timestamp: Date.now(), username: 'dev_use2', password: PASSWORD }), 409,
        '该账号已存在，请换一个账号注册');
      assertFail(await send(LOGIN_CHAT, { deviceId, timestamp: Date.now(), username: 'dev_user', password: 'wrong-pass' }), 400, '账号或密码错误');
      for (const route of [ REG_CHAT, LOGIN_CHAT ]) {
        const res = await send(route, validBody(route, deviceId));
        assertFail(res, 429, TOO_MANY);
        const retryAfter = Number(res.headers['retry-after']);
        assert.ok(retryAfter > 3600 - 10 && retryAfter <= 3600, `Retry-After ${retryAfter}`);
      }
      // The device's visitor still enters (re-entries are not limited by the device budget).
      assertOk(await send(REGISTER, validBody(REGISTER, deviceId)));
      // Another device is not affected.
      assertOk(await send(REGISTER, validBody(REGISTER)));
    });

    it('a call identical to one counted within VISITOR_TWIN_MS (all but the timestamp) counts once', async () => {
      visitorSettings({ deviceLimit: 2 });
      const deviceId = newDeviceId();
      await register('dev_user');
      const wrong = () => send(LOGIN_CHAT, { deviceId, timestamp: Date.now(), username: 'dev_user', password: 'wrong-pass' });
      for (let i = 0; i < 4; i++) assertFail(await wrong(), 400, '账号或密码错误');
      assertFail(await send(LOGIN_CHAT, { deviceId, timestamp: Date.now(), username: 'dev_user', password: 'other-pass' }), 400, '账号或密码错误');
      assertFail(await send(LOGIN_CHAT, { deviceId, timestamp: Date.now(), username: 'dev_user', password: 'third-pass' }), 429, TOO_MANY);
    });

    it('counts only calls that passed the signature and time checks', async () => {
      const deviceId = newDeviceId();
      for (let i = 0; i < 10; i++) {
        await send(REGISTER, validBody(REGISTER, deviceId), { sign: 'x' }).expect(400);
        await send(REGISTER, { ...validBody(REGISTER, deviceId), timestamp: Date.now() - 400_000 }).expect(400);
        await send(REGISTER, validBody(REGISTER, deviceId), { sign: null }).expect(400);
        await send(REGISTER, { ...validBody(REGISTER, deviceId), uniplatform: 1 }).expect(422);
      }
      for (let i = 0; i < 5; i++) {
        assertFail(await send(LOGIN_CHAT, { deviceId, timestamp: Date.now(), username: `nobody${i}`, password: PASSWORD }), 400, '账号或密码错误');
      }
      assertFail(await send(LOGIN_CHAT, validBody(LOGIN_CHAT, deviceId)), 429, TOO_MANY);
    });

    it('reads its limit and window from VISITOR_DEVICE_LIMIT / VISITOR_DEVICE_WINDOW', async () => {
      visitorSettings({ deviceLimit: 2, deviceWindow: 60 });
      const deviceId = newDeviceId();
      await arrive(deviceId);
      assertFail(await send(LOGIN_CHAT, { deviceId, timestamp: Date.now(), username: 'nobody1', password: PASSWORD }), 400, '账号或密码错误');
      const res = await send(LOGIN_CHAT, { deviceId, timestamp: Date.now(), username: 'nobody2', password: PASSWORD });
      assertFail(res, 429, TOO_MANY);
      assert.ok(Number(res.headers['retry-after']) <= 60);
    });
  });

  describe('(5) new visitors per IP: 20 per hour', () => {
    it('counts only visitors created: a device\'s visitor may come back, a new device gets 429', async () => {
      visitorSettings({ newLimitIp: 3 });
      const devices = [ newDeviceId(), newDeviceId(), newDeviceId() ];
      for (const deviceId of devices) await arrive(deviceId);
      const res = await send(REGISTER, validBody(REGISTER));
      assertFail(res, 429, TOO_MANY);
      assert.ok(Number(res.headers['retry-after']) > 3590);
      assert.equal(await app.model.User.count(), 3);
      await arrive(devices[0]);
      // visitorregChat and visitorloginChat create no visitor and are not limited by it.
      await withCredentials(REG_CHAT, devices[1], 'upgraded1');
    });

    it('defaults to 20', async () => {
      visitorSettings({ deviceLimit: 100 });
      for (let i = 0; i < 20; i++) await arrive();
      assertFail(await send(REGISTER, validBody(REGISTER)), 429, TOO_MANY);
    });
  });

  describe('(5) the account limits', () => {
    it('visitorregChat counts against REGISTER_LIMIT_IP together with /api/regChat', async () => {
      mm(app.config.im, 'rateLimit', { ...app.config.im.rateLimit, registerLimitIp: 2 });
      await register('first_1');
      await withCredentials(REG_CHAT, newDeviceId(), 'second_2');
      assertFail(await send(REG_CHAT, validBody(REG_CHAT)), 429, TOO_MANY);
      assertFail(await app.httpRequest().post('/api/regChat').send({ username: 'third_3', password: PASSWORD }), 429, TOO_MANY);
    });

    it('visitorloginChat counts failed logins with loginChat\'s limits (per username + IP)', async () => {
      mm(app.config.im, 'rateLimit', { ...app.config.im.rateLimit, loginFailLimitUserIp: 2 });
      await insertUser({ username: 'limited1' });
      const deviceId = newDeviceId();
      for (let i = 0; i < 2; i++) {
        await send(LOGIN_CHAT, { deviceId, timestamp: Date.now(), username: 'limited1', password: 'wrong-pass' }).expect(400);
      }
      assertFail(await send(LOGIN_CHAT, { deviceId: newDeviceId(), timestamp: Date.now(), username: 'limited1', password: PASSWORD }), 429, TOO_MANY);
      assertFail(await app.httpRequest().post('/api/loginChat').send({ username: 'limited1', password: PASSWORD }), 429, TOO_MANY);
    });
  });
});
