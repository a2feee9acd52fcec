import { strict as assert } from 'node:assert';
import { app } from 'egg-mock/bootstrap';
import {
  ISO_UTC_MS, assertFail, assertOk, assertTokenOf, insertUser, logout, search, sessionIds, setUser, tokenPayload,
} from '../../helpers';
import {
  REGISTER, arrive, assertVisitorObject, bindingOf, newDeviceId, send, sendConcurrently, userRow, visitorSettings,
  withCredentials, REG_CHAT,
} from './support';

const DEVICE = '8d1a344c-bf16-5425-adbc-d12f49cfa332';
const STATS = { uniplatform: 'app', devicemodel: 'iPhone 15', deviceos: 'ios', devicebrand: 'apple' };

describe('POST /api/visitorRegister', () => {
  it('creates a visitor bound to the device: V with role visitor, named VIS + the first 8 alphanumerics', async () => {
    const before = Date.now();
    const visitor = await arrive(DEVICE, STATS);
    assertVisitorObject(visitor, DEVICE);
    assert.equal(visitor.username, 'VIS8d1a344c');
    assert.deepEqual(
      { uniplatform: visitor.uniplatform, devicemodel: visitor.devicemodel, deviceos: visitor.deviceos, devicebrand: visitor.devicebrand },
      STATS);
    assert.match(visitor.last_login, ISO_UTC_MS);
    assert.ok(Date.parse(visitor.last_login) >= before - 1000);
    assert.equal(visitor.last_login_ip, '127.0.0.1');
    assert.equal(visitor.register_ip, '127.0.0.1');
    assertTokenOf(visitor);
    assert.equal(tokenPayload(visitor.token).role, 'visitor');

    const row = (await userRow(visitor.id))!;
    assert.equal(row.role, 'visitor');
    assert.equal(row.password, '!', 'no usable password');
    assert.ok(!JSON.stringify(visitor).includes('password'));
    const binding = (await bindingOf(DEVICE))!;
    assert.equal(binding.user_id, visitor.id);
    assert.equal(binding.last_seen_time.toISOString(), binding.create_time.toISOString());
    assert.equal(await app.model.UserInfo.count(), 0, 'no profile row until something is set');
  });

  it('takes a form body as well as JSON, and the statistics fields are optional (\'\')', async () => {
    const deviceId = newDeviceId();
    const res = await send(REGISTER, { deviceId, timestamp: Date.now() }, { form: true });
    const visitor = assertOk(res);
    assertVisitorObject(visitor, deviceId);
    assert.deepEqual([ visitor.uniplatform, visitor.devicemodel, visitor.deviceos, visitor.devicebrand ], [ '', '', '', '' ]);
  });

  it('cuts statistics fields to 50 characters (emoji count as one) and treats "" and null as absent', async () => {
    const deviceId = newDeviceId();
    const visitor = await arrive(deviceId, { uniplatform: 'p'.repeat(80), devicemodel: '😀'.repeat(60), deviceos: '', devicebrand: null });
    assert.equal(visitor.uniplatform, 'p'.repeat(50));
    assert.equal(visitor.devicemodel, '😀'.repeat(50));
    assert.equal(visitor.deviceos, '');
    assert.equal(visitor.devicebrand, '');
  });

  it('refuses statistics fields that are not text (422)', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ uniplatform: 12 }, 'uniplatform 必须是字符串' ],
      [{ devicemodel: [ 'x' ] }, 'devicemodel 必须是字符串' ],
      [{ deviceos: 'ios\u0000' }, 'deviceos 不能包含控制字符' ],
      [{ devicebrand: 'a\nb' }, 'devicebrand 不能包含控制字符' ],
    ];
    for (const [ stats, reason ] of cases) {
      assertFail(await send(REGISTER, { deviceId: newDeviceId(), timestamp: Date.now(), ...stats }), 422, reason);
    }
    assert.equal(await app.model.User.count(), 0);
  });

  it('enters the device\'s visitor again: same id and uuid, new session, last_login, IP and sent statistics refreshed', async () => {
    const first = await arrive(DEVICE, STATS);
    await app.model.User.update({ last_login: new Date('2026-01-01T00:00:00Z') }, { where: { id: first.id } });
    const second = await arrive(DEVICE, { devicemodel: 'iPhone 16' });
    assert.equal(second.id, first.id);
    assert.equal(second.uuid, first.uuid);
    assert.equal(second.username, first.username);
    assert.notEqual(second.token, first.token);
    assert.ok(Date.parse(second.last_login) > Date.parse('2026-01-02T00:00:00Z'));
    assert.deepEqual(
      { uniplatform: second.uniplatform, devicemodel: second.devicemodel, deviceos: second.deviceos, devicebrand: second.devicebrand },
      { ...STATS, devicemodel: 'iPhone 16' });
    assert.equal(await app.model.User.count(), 1);
    // Both sessions live (multi-device policy); the binding's last_seen_time moved.
    assert.equal((await sessionIds(first.id)).length, 2);
    assertOk(await logout(first.token));
    assertOk(await logout(second.token));
    const binding = (await bindingOf(DEVICE))!;
    assert.ok(binding.last_seen_time > binding.create_time);
  });

  it('answers 403 账号已被禁用 for a disabled visitor, and opens no session', async () => {
    const visitor = await arrive(DEVICE);
    await setUser(visitor.id, { status: 0 });
    await logout(visitor.token).expect(403);
    assertFail(await send(REGISTER, { deviceId: DEVICE, timestamp: Date.now() }), 403, '账号已被禁用');
    assert.equal((await sessionIds(visitor.id)).length, 1);
  });

  it('names the visitor VIS + 12 random hex digits when VIS + 8 is taken, in any letter case', async () => {
    await insertUser({ username: 'vis8D1A344C' });
    const visitor = await arrive(DEVICE);
    assert.match(visitor.username, /^VIS[0-9a-f]{12}$/);
    assertVisitorObject(visitor, DEVICE);
  });

  it('names the visitor VIS + 12 random hex digits when the device id has fewer than 8 letters or digits', async () => {
    const deviceId = `${'-'.repeat(20)}abc${'_'.repeat(20)}`;
    const visitor = await arrive(deviceId);
    assert.match(visitor.username, /^VIS[0-9a-f]{12}$/);
  });

  it('keeps device ids that differ only in letter case apart', async () => {
    const lower = 'abcdefgh-1111-2222-3333-444455556666';
    const a = await arrive(lower);
    const b = await arrive(lower.toUpperCase());
    assert.notEqual(a.id, b.id);
    assert.equal(a.username, 'VISabcdefgh');
    assert.match(b.username, /^VIS[0-9a-f]{12}$/, 'VISABCDEFGH is VISabcdefgh case-insensitively');
  });

  it('is open to visitors only through the routes they may use: searchUser answers 403, logout works', async () => {
    const visitor = await arrive();
    assertFail(await search(visitor.token, { keyword: 'abc' }), 403, '您没有权限访问，请先注册或登录');
    assert.deepEqual(assertOk(await logout(visitor.token)), true);
    assertFail(await logout(visitor.token), 401, 'Token 令牌不合法！');
    // After logout the app registers as the visitor again: the same visitor, a fresh session.
    const again = await arrive(visitor.devicefingeruuid);
    assert.equal(again.id, visitor.id);
    assertOk(await logout(again.token));
  });

  describe('a device id never yields a real user\'s token', () => {
    it('a user registered on the device (visitorregChat without a visitor) is not entered: a new visitor is made', async () => {
      const user = await withCredentials(REG_CHAT, DEVICE, 'real_user');
      assert.equal(user.role, 'user');
      assert.equal(user.devicefingeruuid, DEVICE);
      const visitor = await arrive(DEVICE);
      assert.notEqual(visitor.id, user.id);
      assertVisitorObject(visitor, DEVICE);
      assert.equal(tokenPayload(visitor.token).id, visitor.id);
    });

    it('a binding to a user who is no longer a visitor (changed by SQL) is dropped and a new visitor made', async () => {
      const visitor = await arrive(DEVICE);
      await setUser(visitor.id, { role: 'user' });
      const next = await arrive(DEVICE);
      assert.notEqual(next.id, visitor.id);
      assert.equal(next.role, 'visitor');
      assert.equal((await bindingOf(DEVICE))!.user_id, next.id);
    });

    it('a binding to a deleted visitor is dropped and a new visitor made', async () => {
      const visitor = await arrive(DEVICE);
      await setUser(visitor.id, { is_deleted: 1 });
      const next = await arrive(DEVICE);
      assert.notEqual(next.id, visitor.id);
      assert.equal((await bindingOf(DEVICE))!.user_id, next.id);
    });
  });

  describe('concurrency', () => {
    it('parallel first calls of one device create exactly one visitor, and every call enters it', async () => {
      visitorSettings({ deviceLimit: 100 });
      const timestamp = String(Date.now());
      const answers = await sendConcurrently(REGISTER, Array.from({ length: 12 }, () => ({ deviceId: DEVICE, timestamp })));
      const ids = answers.map(res => assertOk(res).id);
      assert.equal(new Set(ids).size, 1, JSON.stringify(ids));
      assert.equal(await app.model.User.count(), 1);
      assert.equal(await app.model.VisitorDevice.count(), 1);
      assert.equal((await sessionIds(ids[0])).length, 12);
      assert.equal((await userRow(ids[0]))!.username, 'VIS8d1a344c');
      // Only the visitor really created counts against the IP's new visitors.
      const { key } = app.mockContext().service.rateLimit.newVisitorBucket('127.0.0.1');
      assert.equal(await app.redis.get(key), '1');
    });

    it('parallel identical first calls under the default limits all enter the one visitor, counted once (CONTRACT-client-behaviour §3)', async () => {
      const timestamp = String(Date.now());
      const answers = await sendConcurrently(REGISTER, Array.from({ length: 8 }, () => ({ deviceId: DEVICE, timestamp })));
      const ok = answers.filter(res => res.status === 200);
      assert.equal(ok.length, 8);
      assert.equal(new Set(ok.map(res => res.body.data.id)).size, 1);
      assert.equal(await app.model.User.count(), 1);
      const { key } = app.mockContext().service.rateLimit.visitorDeviceBucket(DEVICE);
      assert.equal(await app.redis.get(key), '1');
    });

    it('parallel first calls of many devices each get their own visitor', async () => {
      const timestamp = String(Date.now());
      const devices = Array.from({ length: 10 }, newDeviceId);
      const answers = await sendConcurrently(REGISTER, devices.map(deviceId => ({ deviceId, timestamp })));
      const ids = answers.map(res => assertOk(res).id);
      assert.equal(new Set(ids).size, 10);
      for (const [ i, res ] of answers.entries()) assert.equal((await bindingOf(devices[i]))!.user_id, res.body.data.id);
    });
  });
});
