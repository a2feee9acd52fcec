import { strict as assert } from 'node:assert';
import { app } from 'egg-mock/bootstrap';
import { PASSWORD, post, search } from '../../helpers';

const USER_KEYS = [
  'create_time', 'id', 'uuid', 'username', 'nickname', 'avatar', 'mobile', 'email', 'status', 'last_login',
  'last_login_ip', 'register_time', 'register_ip', 'is_deleted', 'wechat_openid', 'qq_openid', 'weibo_uid',
  'role', 'is_email_verified', 'is_mobile_verified', 'order', 'update_time', 'token',
];

describe('POST /api/regChat', () => {
  it('creates the user and answers the exact user object with a usable token', async () => {
    const res = await post('/api/regChat').type('form').send({ username: 'my01', password: PASSWORD }).expect(200);
    assert.match(res.headers['content-type'], /^application\/json/);
    assert.equal(res.body.msg, 'ok');
    const user = res.body.data;
    assert.deepEqual(Object.keys(user), USER_KEYS);
    assert.equal(user.username, 'my01');
    assert.match(user.uuid, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.match(user.create_time, /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
    assert.match(user.register_time, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    assert.equal(user.last_login, null);
    assert.equal(user.register_ip, '127.0.0.1');
    assert.equal(user.avatar, app.config.im.user.defaultAvatar);
    assert.equal(user.status, 1);
    assert.equal(user.order, 50);
    assert.equal(user.role, 'user');
    assert.equal(JSON.stringify(res.body).includes('password'), false);

    await search(user.token, { keyword: 'zzz' }).expect(200);
  });
});
