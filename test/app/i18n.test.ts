import { strict as assert } from 'node:assert';
import { app } from 'egg-mock/bootstrap';
import { PASSWORD, register } from '../helpers';

const post = (path: string, language?: string) => {
  const req = app.httpRequest().post(path);
  return language ? req.set('Accept-Language', language) : req;
};

// CONTRACT: texts in Chinese by default, English for Accept-Language: en; same statuses.
describe('error texts by Accept-Language (config/locale/*.json)', () => {
  it('409 username taken', async () => {
    await register('i18n_user');
    const zh = await post('/api/regChat').send({ username: 'I18N_USER', password: PASSWORD }).expect(409);
    assert.deepEqual(zh.body, { msg: 'fail', data: '该账号已存在，请换一个账号注册' });
    const en = await post('/api/regChat', 'en').send({ username: 'I18N_USER', password: PASSWORD }).expect(409);
    assert.deepEqual(en.body, { msg: 'fail', data: 'This username is already taken, please choose another one' });
    assert.match(en.headers.vary, /Accept-Language/);
  });

  it('401 missing and invalid token', async () => {
    assert.equal((await post('/api/chat/logout').expect(401)).body.data, '您没有权限访问即时通讯接口');
    assert.equal((await post('/api/chat/logout', 'en-US,en;q=0.9').expect(401)).body.data,
      'You are not allowed to use the messaging API: token missing');
    assert.equal((await post('/api/chat/logout').set('token', 'x.y.z').expect(401)).body.data, 'Token 令牌不合法！');
    assert.equal((await post('/api/chat/logout', 'en').set('token', 'x.y.z').expect(401)).body.data, 'Invalid token');
  });

  it('400 wrong credentials and 404', async () => {
    const body = { username: 'nobody_here', password: PASSWORD };
    assert.equal((await post('/api/loginChat', 'zh-CN').send(body).expect(400)).body.data, '账号或密码错误');
    assert.equal((await post('/api/loginChat', 'en-GB').send(body).expect(400)).body.data, 'Wrong username or password');
    assert.equal((await post('/api/nowhere', 'en').expect(404)).body.data, '404 Not Found');
    assert.equal((await post('/api/nowhere', 'fr').expect(404)).body.data, '404 错误');
  });

  it('422 validation reasons name the field and the rule in both languages', async () => {
    const cases: Array<[Record<string, unknown>, string, string]> = [
      [{ username: 'ab', password: PASSWORD }, 'username 长度应为 4-20 位', 'username must be 4-20 characters long' ],
      [{ username: 'ab-cd', password: PASSWORD }, 'username 只能包含字母、数字和下划线', 'username may contain only letters, digits and underscores' ],
      [{ username: 'abcd' }, 'password 不能为空', 'password is required' ],
      [{ username: 1234, password: PASSWORD }, 'username 必须是字符串', 'username must be a string' ],
    ];
    for (const [ body, zh, en ] of cases) {
      assert.equal((await post('/api/regChat').send(body).expect(422)).body.data, zh);
      assert.equal((await post('/api/regChat', 'en').send(body).expect(422)).body.data, en);
    }
    const { token } = await register('i18n_search');
    const limit = await post('/api/chat/searchUser', 'en').set('token', token).send({ keyword: 'a', limit: 99 }).expect(422);
    assert.equal(limit.body.data, 'limit must be an integer from 1 to 50');
  });
});
