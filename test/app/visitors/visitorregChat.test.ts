import { strict as assert } from 'node:assert';
import { app } from 'egg-mock/bootstrap';
import {
  INVALID_CREDENTIALS, PASSWORD, assertFail, assertOk, assertTokenOf, insertUser, login, logout, register, search, sessionIds, setUser,
  tokenPayload,
} from '../../helpers';
import { verifyPassword } from '../../../app/lib/account/password';
import {
  DEVICE_USER_KEYS, REG_CHAT, arrive, bindingOf, newDeviceId, send, sendConcurrently, signOf, userRow, visitorSettings,
  withCredentials,
} from './support';

const TAKEN = '该账号已存在，请换一个账号注册';

describe('POST /api/visitorregChat', () => {
  describe('the device has a visitor: upgrade in place', () => {
    it('keeps id, uuid, profile and friendships; sets username, password and role user; answers V with a new token', async () => {
      const deviceId = newDeviceId();
      const visitor = await arrive(deviceId, { devicemodel: 'Pixel 9' });
      const friend = await register('friend01');
      // A profile and a friendship in both directions, made straight in the tables.
      await app.model.User.update({ nickname: '小访客', avatar: 'https://example.com/a.png' }, { where: { id: visitor.id } });
      await app.model.UserInfo.create({ user_id: visitor.id, bio: 'hello' });
      await app.model.Goodfriend.bulkCreate([
        { user_id: visitor.id, friend_id: friend.id, nickname: 'my friend' },
        { user_id: friend.id, friend_id: visitor.id, nickname: 'the visitor' },
      ]);
      await app.model.GoodfriendApply.create({ user_id: visitor.id, friend_id: friend.id, status: 'agree' });

      const user = await withCredentials(REG_CHAT, deviceId, 'New_User1', 'new-password');
      assert.deepEqual(Object.keys(user), DEVICE_USER_KEYS);
      assert.deepEqual(
        { id: user.id, uuid: user.uuid, username: user.username, role: user.role, nickname: user.nickname, avatar: user.avatar },
        { id: visitor.id, uuid: visitor.uuid, username: 'New_User1', role: 'user', nickname: '小访客', avatar: 'https://example.com/a.png' });
      assert.equal(user.devicefingeruuid, deviceId);
      assert.equal(user.devicemodel, 'Pixel 9');
      assert.equal(user.register_time, visitor.register_time);
      assertTokenOf(user);
      assert.equal(tokenPayload(user.token).role, 'user');

      const row = (await userRow(visitor.id))!;
      assert.equal(row.role, 'user');
      assert.ok((await verifyPassword('new-password', row.password, app.config.im.password)).ok);
      assert.equal(await app.model.User.count(), 2);
      assert.equal(await bindingOf(deviceId), null, 'binding removed');
      assert.equal((await app.model.UserInfo.findOne({ where: { user_id: visitor.id } }))!.bio, 'hello');
      assert.deepEqual((await app.model.Goodfriend.findAll({ order: [ 'id' ], raw: true })).map(r => [ r.user_id, r.friend_id, r.nickname ]),
        [[ visitor.id, friend.id, 'my friend' ], [ friend.id, visitor.id, 'the visitor' ]]);
      assert.equal(await app.model.GoodfriendApply.count({ where: { user_id: visitor.id } }), 1);

      // The new token works beyond the visitor gate; the password logs in.
      assertOk(await search(user.token, { keyword: 'friend' }));
      const again = await login('new_user1', 'new-password');
      assert.equal(again.id, visitor.id);
    });

    it('keeps every session the visitor held: they are the user\'s sessions now, past the visitor gate (CONTRACT-client-behaviour §3)', async () => {
      const deviceId = newDeviceId();
      const first = await arrive(deviceId);
      const second = await arrive(deviceId);
      const user = await withCredentials(REG_CHAT, deviceId, 'upgraded');
      for (const old of [ first, second ]) assertOk(await search(old.token, { keyword: 'x' }));
      assert.deepEqual((await sessionIds(user.id)).sort(),
        [ first.token, second.token, user.token ].map(token => String(tokenPayload(token).sid)).sort());
      assertOk(await logout(user.token));
    });

    it('after the upgrade (and a logout), the device gets a fresh visitor', async () => {
      const deviceId = newDeviceId();
      const visitor = await arrive(deviceId);
      const user = await withCredentials(REG_CHAT, deviceId, 'upgraded');
      assertOk(await logout(user.token));
      const fresh = await arrive(deviceId);
      assert.notEqual(fresh.id, visitor.id);
      assert.equal(fresh.role, 'visitor');
      assert.equal((await bindingOf(deviceId))!.user_id, fresh.id);
    });

    it('may keep the visitor\'s own name', async () => {
      const deviceId = newDeviceId();
      const visitor = await arrive(deviceId);
      const user = await withCredentials(REG_CHAT, deviceId, visitor.username.toLowerCase());
      assert.equal(user.id, visitor.id);
      assert.equal(user.username, visitor.username.toLowerCase());
    });

    it('a taken name (any letter case) answers 409 and leaves the visitor as it was', async () => {
      await register('taken01');
      const deviceId = newDeviceId();
      const visitor = await arrive(deviceId);
      assertFail(await send(REG_CHAT, { deviceId, timestamp: Date.now(), username: 'TAKEN01', password: PASSWORD }), 409, TAKEN);
      const row = (await userRow(visitor.id))!;
      assert.deepEqual([ row.role, row.username, row.password ], [ 'visitor', visitor.username, '!' ]);
      assert.equal((await bindingOf(deviceId))!.user_id, visitor.id);
      assertFail(await search(visitor.token, { keyword: 'x' }), 403, '您没有权限访问，请先注册或登录');
    });

    it('a disabled visitor answers 403 账号已被禁用, before a taken name', async () => {
      await register('taken01');
      const deviceId = newDeviceId();
      const visitor = await arrive(deviceId);
      await setUser(visitor.id, { status: 0 });
      for (const username of [ 'taken01', 'free_name' ]) {
        assertFail(await send(REG_CHAT, { deviceId, timestamp: Date.now(), username, password: PASSWORD }), 403, '账号已被禁用');
      }
      assert.equal((await userRow(visitor.id))!.role, 'visitor');
      assert.equal(await app.model.User.count(), 2);
    });

    it('racing upgrades of one device: one upgrades the visitor, the other makes a new user', async () => {
      visitorSettings({ deviceLimit: 100 });
      const deviceId = newDeviceId();
      const visitor = await arrive(deviceId);
      const timestamp = String(Date.now());
      const answers = await sendConcurrently(REG_CHAT, [ 'racer_a', 'racer_b', 'racer_c' ].map(username =>
        ({ deviceId, timestamp, username, password: PASSWORD })));
      const users = answers.map(res => assertOk(res));
      assert.equal(users.filter(user => user.id === visitor.id).length, 1, JSON.stringify(users.map(u => u.id)));
      assert.equal(new Set(users.map(user => user.id)).size, 3);
      for (const user of users) {
        assert.equal(user.role, 'user');
        assert.equal(user.devicefingeruuid, deviceId);
        assertOk(await search(user.token, { keyword: 'racer' }));
      }
      assert.equal(await app.model.User.count({ where: { role: 'visitor' } }), 0);
      assert.equal(await bindingOf(deviceId), null);
    });
  });

  describe('the device has no visitor: a new user', () => {
    it('registers a user of this device (devicefingeruuid = deviceId), last_login null, and opens its session', async () => {
      const deviceId = newDeviceId();
      const user = await withCredentials(REG_CHAT, deviceId, 'fresh_one');
      assert.deepEqual(Object.keys(user), DEVICE_USER_KEYS);
      assert.equal(user.role, 'user');
      assert.equal(user.devicefingeruuid, deviceId);
      assert.deepEqual([ user.uniplatform, user.devicemodel, user.deviceos, user.devicebrand ], [ '', '', '', '' ]);
      assert.equal(user.last_login, null);
      assert.equal(await bindingOf(deviceId), null);
      assertOk(await search(user.token, { keyword: 'x' }));
      assert.equal((await login('fresh_one')).id, user.id);
    });

    it('a taken name answers 409 and creates nothing', async () => {
      await insertUser({ username: 'Taken02' });
      assertFail(await send(REG_CHAT, { deviceId: newDeviceId(), timestamp: Date.now(), username: 'taken02', password: PASSWORD }), 409, TAKEN);
      assert.equal(await app.model.User.count(), 1);
    });

    it('parallel registrations of one name: one 200, the rest 409', async () => {
      visitorSettings({ deviceLimit: 100 });
      const timestamp = String(Date.now());
      const answers = await sendConcurrently(REG_CHAT, Array.from({ length: 6 }, () =>
        ({ deviceId: newDeviceId(), timestamp, username: 'same_name', password: PASSWORD })));
      assert.deepEqual(answers.map(res => res.status).sort(), [ 200, 409, 409, 409, 409, 409 ]);
      assert.equal(await app.model.User.count(), 1);
    });
  });

  describe('username and password follow regChat\'s rules (after deviceId and timestamp)', () => {
    for (const { title, json, form, reason } of INVALID_CREDENTIALS) {
      if (json !== undefined && (typeof json !== 'object' || Array.isArray(json) || json === null)) continue;
      it(`${title}: 422 ${reason}`, async () => {
        const deviceId = newDeviceId();
        const timestamp = Date.now();
        const req = app.httpRequest().post(REG_CHAT).set('X-Security-Sign', signOf(deviceId, timestamp));
        const res = json === undefined ?
          await req.type('form').send(`${form}${form ? '&' : ''}deviceId=${deviceId}&timestamp=${timestamp}`) :
          await req.send({ deviceId, timestamp, ...json as object });
        assertFail(res, 422, reason);
      });
    }
  });
});
