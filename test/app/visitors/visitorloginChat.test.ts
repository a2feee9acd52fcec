import { strict as assert } from 'node:assert';
import { app } from 'egg-mock/bootstrap';
import {
  PASSWORD, assertFail, assertOk, assertTokenOf, insertUser, logout, post, register, search, setUser, signToken, tokenPayload,
} from '../../helpers';
import { DEVICE_USER_KEYS, LOGIN_CHAT, arrive, bindingOf, newDeviceId, send, userRow, withCredentials } from './support';

const WRONG = '账号或密码错误';

describe('POST /api/visitorloginChat', () => {
  it('logs a user in as loginChat does and answers V; the device\'s visitor stays as it was', async () => {
    const registered = await register('member1');
    const deviceId = newDeviceId();
    const visitor = await arrive(deviceId);
    const user = await withCredentials(LOGIN_CHAT, deviceId, 'MEMBER1');
    assert.deepEqual(Object.keys(user), DEVICE_USER_KEYS);
    assert.equal(user.id, registered.id);
    assert.equal(user.role, 'user');
    assert.equal(user.devicefingeruuid, '', 'a user registered through regChat has no device');
    assert.notEqual(user.last_login, null);
    assert.equal(user.last_login_ip, '127.0.0.1');
    assertTokenOf(user);
    assertOk(await search(user.token, { keyword: 'x' }));
    // Not merged: the visitor keeps its row, binding and session.
    assert.equal((await bindingOf(deviceId))!.user_id, visitor.id);
    assert.equal((await userRow(visitor.id))!.role, 'visitor');
    assertOk(await logout(visitor.token));
  });

  it('answers V with the device columns of a user who registered on a device', async () => {
    const deviceId = newDeviceId();
    await withCredentials('/api/visitorregChat', deviceId, 'on_device');
    const user = await withCredentials(LOGIN_CHAT, newDeviceId(), 'on_device');
    assert.equal(user.devicefingeruuid, deviceId);
  });

  it('wrong password and unknown user: 400 账号或密码错误', async () => {
    await register('member1');
    for (const [ username, password ] of [[ 'member1', 'wrong-pass' ], [ 'nobody1', PASSWORD ]]) {
      assertFail(await send(LOGIN_CHAT, { deviceId: newDeviceId(), timestamp: Date.now(), username, password }), 400, WRONG);
    }
  });

  it('a disabled account: 403 账号已被禁用 after the right password only', async () => {
    const { id } = await register('member1');
    await setUser(id, { status: 0 });
    const body = { deviceId: newDeviceId(), timestamp: Date.now(), username: 'member1' };
    assertFail(await send(LOGIN_CHAT, { ...body, password: PASSWORD }), 403, '账号已被禁用');
    assertFail(await send(LOGIN_CHAT, { ...body, password: 'wrong-pass' }), 400, WRONG);
  });

  it('a visitor has no usable password: 400 here and on /api/loginChat, even if its row holds a real hash', async () => {
    const visitor = await arrive();
    // A row made by SQL whose password hash is PASSWORD's.
    await insertUser({ username: 'old_visitor', role: 'visitor' });
    for (const [ username, password ] of [[ visitor.username, PASSWORD ], [ 'old_visitor', PASSWORD ]]) {
      assertFail(await send(LOGIN_CHAT, { deviceId: newDeviceId(), timestamp: Date.now(), username, password }), 400, WRONG);
      assertFail(await post('/api/loginChat').send({ username, password }), 400, WRONG);
    }
  });
});

describe('visitor sessions', () => {
  const expired = (token: string) => {
    const now = Math.floor(Date.now() / 1000);
    return signToken({ ...tokenPayload(token), iat: now - 120, exp: now - 60 });
  };

  it('an expired visitor token answers 401 Token 令牌不合法！ (the text on which the app registers again)', async () => {
    const visitor = await arrive();
    const token = expired(visitor.token);
    assertFail(await logout(token), 401, 'Token 令牌不合法！');
    assertFail(await search(token, { keyword: 'x' }), 401, 'Token 令牌不合法！');
    assertFail(await logout(token).set('Accept-Language', 'en'), 401, 'Invalid token');
  });

  it('an expired user token keeps the expiry text', async () => {
    const user = await register('member1');
    assertFail(await logout(expired(user.token)), 401, 'Token已过期！请重新获取令牌');
  });

  it('a visitor logs out like a user: that token ends, the device enters its visitor again', async () => {
    const deviceId = newDeviceId();
    const visitor = await arrive(deviceId);
    const other = await arrive(deviceId);
    assert.deepEqual(assertOk(await logout(visitor.token)), true);
    assertFail(await logout(visitor.token), 401, 'Token 令牌不合法！');
    assertOk(await logout(other.token));
    assert.equal((await arrive(deviceId)).id, visitor.id);
    assert.equal(await app.model.User.count(), 1);
  });
});
