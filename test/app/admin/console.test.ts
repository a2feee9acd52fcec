// CONTRACT-admin: the operator console over HTTP — login and its limits, sessions and cookies,
// CSRF, TOTP, roles, headers, the audit trail, the user actions and the last-super rule.
import { strict as assert } from 'node:assert';
import { app, mock } from 'egg-mock/bootstrap';
import { totpCode } from '../../../app/lib/admin/totp';
import { insertUser, PASSWORD, login as imLogin } from '../../helpers';
import { ADMIN_PASSWORD, auditRows, cookieOf, createAdmin, csrfOf, loginAs, loginForm, nextCode, postLogin, refreshFigures } from './support';

const WRONG = '账号或密码错误';

describe('operator console (CONTRACT-admin)', () => {
  afterEach(() => mock.restore());

  describe('login', () => {
    it('answers 303 to /admin with a new HttpOnly, SameSite=Strict session cookie on /admin, not Secure over plain HTTP', async () => {
      await createAdmin('root1');
      const res = await postLogin({ username: 'root1', password: ADMIN_PASSWORD });
      assert.equal(res.status, 303);
      assert.equal(res.headers.location, '/admin');
      const line = (res.headers['set-cookie'] as unknown as string[]).find(c => c.startsWith('admin_sid='))!;
      assert.match(line, /HttpOnly/);
      assert.match(line, /SameSite=Strict/);
      assert.match(line, /Path=\/admin(;|$)/);
      assert.doesNotMatch(line, /Secure/);
      const [ entry ] = await auditRows('login.ok');
      assert.equal(entry.action, 'login.ok');
    });

    it('marks the cookie Secure with ADMIN_COOKIE_SECURE=true', async () => {
      await createAdmin('root1');
      mock(app.config.im.admin, 'cookieSecure', true);
      const res = await postLogin({ username: 'root1', password: ADMIN_PASSWORD });
      assert.match((res.headers['set-cookie'] as unknown as string[]).find(c => c.startsWith('admin_sid='))!, /Secure/);
    });

    it('answers 400 with the same text for an unknown name, a wrong password and a wrong or missing code, and audits each', async () => {
      const { secret } = await createAdmin('root1', 'super', true);
      await createAdmin('root2');
      for (const fields of <Array<Record<string, string>>>[
        { username: 'nobody', password: ADMIN_PASSWORD },
        { username: 'root2', password: 'wrong-password-1' },
        { username: 'root1', password: ADMIN_PASSWORD },
        { username: 'root1', password: ADMIN_PASSWORD, otp: totpCode(secret!) === '000000' ? '111111' : '000000' },
      ]) {
        const res = await postLogin(fields);
        assert.equal(res.status, 400, JSON.stringify(fields));
        assert.ok(res.text.includes(WRONG));
        assert.equal(cookieOf(res, 'admin_sid'), undefined);
      }
      assert.equal((await auditRows('login.fail')).length, 4);
    });

    it('answers 429 with Retry-After after 5 failures of an account, even with the right password', async () => {
      await createAdmin('root1');
      for (let i = 0; i < 5; i++) assert.equal((await postLogin({ username: 'root1', password: 'wrong-password-1' })).status, 400);
      const res = await postLogin({ username: 'root1', password: ADMIN_PASSWORD });
      assert.equal(res.status, 429);
      assert.ok(Number(res.headers['retry-after']) > 0);
    });

    it('answers 429 after 20 failures from one address, unknown names included', async () => {
      await createAdmin('root1');
      for (let i = 0; i < 20; i++) assert.equal((await postLogin({ username: `nobody${i}`, password: 'wrong-password-1' })).status, 400);
      assert.equal((await postLogin({ username: 'root1', password: ADMIN_PASSWORD })).status, 429);
    });

    it('accepts a TOTP code once: the same code replayed is refused', async () => {
      const { secret } = await createAdmin('root1', 'super', true);
      const now = Date.now();
      const code = totpCode(secret!, now);
      const first = await postLogin({ username: 'root1', password: ADMIN_PASSWORD, otp: code });
      assert.equal(first.status, 303);
      const replay = await postLogin({ username: 'root1', password: ADMIN_PASSWORD, otp: code });
      assert.equal(replay.status, 400);
      assert.ok(replay.text.includes(WRONG));
    });

    it('refuses a login POST without the form\'s CSRF token (403)', async () => {
      await createAdmin('root1');
      const { cookie } = await loginForm();
      const res = await app.httpRequest().post('/admin/login').set('Cookie', cookie).type('form').send({ username: 'root1', password: ADMIN_PASSWORD });
      assert.equal(res.status, 403);
      assert.equal(cookieOf(res, 'admin_sid'), undefined);
    });
  });

  describe('session', () => {
    it('sends every page to the login page (303) without a session, and an IM token opens nothing', async () => {
      await insertUser({ username: 'alice1' });
      const { token } = await imLogin('alice1');
      for (const path of [ '/admin', '/admin/users', '/admin/audit', '/admin/admins' ]) {
        const res = await app.httpRequest().get(path).set('token', token).set('Authorization', `Bearer ${token}`);
        assert.equal(res.status, 303, path);
        assert.equal(res.headers.location, '/admin/login');
      }
    });

    it('an admin cookie opens nothing under /api (401)', async () => {
      await createAdmin('root1');
      const agent = await loginAs('root1');
      const res = await app.httpRequest().post('/api/chat/searchUser').set('Cookie', agent.cookie).type('form').send({ keyword: 'ab' });
      assert.equal(res.status, 401);
    });

    it('ends the session after the idle time and after the absolute lifetime', async () => {
      await createAdmin('root1');
      const agent = await loginAs('root1');
      const key = `im:admin:sess:${agent.cookie.split('=')[1]}`;
      assert.ok(await app.redis.pttl(key) <= 30 * 60_000);
      await app.redis.hset(key, 't', String(Date.now() - 12 * 3600_000 - 1000));
      assert.equal((await agent.get('/admin')).status, 303);
      assert.equal(await app.redis.exists(key), 0);
    });

    it('POST /admin/logout ends the session', async () => {
      const { id } = await createAdmin('root1');
      const agent = await loginAs('root1');
      assert.equal((await agent.post('/admin/logout')).status, 303);
      assert.equal((await agent.get('/admin')).status, 303);
      const [ entry ] = await auditRows('logout');
      assert.equal(entry.admin_id, id);
    });
  });

  describe('headers and gates', () => {
    it('sets the security headers on every /admin answer', async () => {
      await createAdmin('root1');
      const agent = await loginAs('root1');
      for (const res of [ await app.httpRequest().get('/admin/login'), await agent.get('/admin'), await agent.get('/admin/users/999999'),
        await app.httpRequest().get('/admin/assets/admin.css').expect(200), await app.httpRequest().get('/admin/assets/chart.umd.js').expect(200) ]) {
        const csp = res.headers['content-security-policy'];
        const scriptSrc = /script-src ([^;]*)/.exec(csp)![1];
        assert.doesNotMatch(scriptSrc, /unsafe-inline|unsafe-eval/);
        assert.equal(res.headers['x-frame-options'], 'DENY');
        assert.equal(res.headers['cache-control'], 'no-store');
        assert.equal(res.headers['referrer-policy'], 'same-origin');
      }
    });

    it('answers every /admin path like an unknown path when ADMIN_ENABLED=false or the address is outside ADMIN_ALLOW_IPS', async () => {
      const unknown = await app.httpRequest().get('/no-such-path');
      mock(app.config.im.admin, 'enabled', false);
      const disabled = await app.httpRequest().get('/admin/login');
      assert.equal(disabled.status, 404);
      assert.deepEqual(disabled.body, unknown.body);
      mock(app.config.im.admin, 'enabled', true);
      mock(app.config.im.admin, 'allowIps', [ '10.0.0.0/8', '192.168.1.7' ]);
      const outside = await app.httpRequest().get('/admin/login');
      assert.equal(outside.status, 404);
      assert.deepEqual(outside.body, unknown.body);
      mock(app.config.im.admin, 'allowIps', [ '127.0.0.0/8', '::1/128' ]);
      assert.equal((await app.httpRequest().get('/admin/login')).status, 200);
    });
  });

  describe('CSRF and roles', () => {
    it('refuses a POST without the session\'s token (403), changes nothing and audits the refusal', async () => {
      const { id } = await createAdmin('root1');
      const user = await insertUser({ username: 'alice1' });
      const agent = await loginAs('root1');
      const res = await agent.post(`/admin/users/${user.id}/disable`, {}, null);
      assert.equal(res.status, 403);
      assert.equal((await app.repos.admin.findUser(user.id))!.status, 1);
      const [ entry ] = await auditRows('user.disable');
      assert.equal(entry.admin_id, id);
      assert.equal(Number(entry.target_id), user.id);
      assert.deepEqual(JSON.parse(entry.detail!), { refused: 'csrf' });
      // The header works as well as the field.
      const ok = await app.httpRequest().post(`/admin/users/${user.id}/disable`).set('Cookie', agent.cookie).set('x-csrf-token', agent.csrf);
      assert.equal(ok.status, 303);
    });

    it('a viewer reads every page but acting answers 403, nothing changed, an audit entry', async () => {
      const { id } = await createAdmin('look1', 'viewer');
      const user = await insertUser({ username: 'alice1' });
      const agent = await loginAs('look1');
      for (const path of [ '/admin', '/admin/users', `/admin/users/${user.id}`, '/admin/audit' ]) assert.equal((await agent.get(path)).status, 200, path);
      assert.equal((await agent.get('/admin/admins')).status, 403);
      const res = await agent.post(`/admin/users/${user.id}/disable`);
      assert.equal(res.status, 403);
      assert.equal((await app.repos.admin.findUser(user.id))!.status, 1);
      const [ entry ] = await auditRows('user.disable');
      assert.equal(entry.admin_id, id);
      assert.deepEqual(JSON.parse(entry.detail!), { refused: 403 });
    });

    it('an operator acts on users but not on admins', async () => {
      await createAdmin('oper1', 'operator');
      const agent = await loginAs('oper1');
      assert.equal((await agent.post('/admin/admins', { username: 'newone', password: 'another-long-pass', role: 'viewer' })).status, 403);
      assert.equal((await agent.post('/admin/users', { username: 'bob123', password: PASSWORD })).status, 303);
    });
  });

  describe('users', () => {
    it('finds users by a name substring through the search index, by id and by uuid, gone ones too', async () => {
      await createAdmin('root1');
      const alice = await insertUser({ username: 'wonderland_alice' });
      await insertUser({ username: 'bob_builder' });
      await app.model.User.update({ status: 0 }, { where: { id: alice.id } });
      const agent = await loginAs('root1');
      const bySubstring = await agent.get('/admin/users?q=derla');
      assert.ok(bySubstring.text.includes('wonderland_alice'));
      assert.ok(!bySubstring.text.includes('bob_builder'));
      assert.ok((await agent.get(`/admin/users?q=${alice.id}`)).text.includes('wonderland_alice'));
      assert.ok((await agent.get(`/admin/users?q=${alice.uuid}`)).text.includes('wonderland_alice'));
    });

    it('disable → 303 with a notice, the API answers 403, one audit entry; enable lets the same session work again', async () => {
      const { id } = await createAdmin('root1');
      await insertUser({ username: 'alice1' });
      const { id: userId, token } = await imLogin('alice1');
      const agent = await loginAs('root1');
      const res = await agent.post(`/admin/users/${userId}/disable`);
      assert.equal(res.status, 303);
      assert.equal(res.headers.location, `/admin/users/${userId}`);
      const page = await agent.get(res.headers.location);
      assert.ok(page.text.includes('用户已禁用'));
      assert.ok(!(await agent.get(res.headers.location)).text.includes('用户已禁用'), 'the notice shows once');
      const api = await app.httpRequest().post('/api/chat/searchUser').set('token', token).type('form').send({ keyword: 'ab' });
      assert.equal(api.status, 403);
      const entries = await auditRows('user.disable');
      assert.equal(entries.length, 1);
      assert.equal(entries[0].admin_id, id);
      assert.equal(Number(entries[0].target_id), userId);
      await agent.post(`/admin/users/${userId}/enable`);
      assert.equal((await app.httpRequest().post('/api/chat/searchUser').set('token', token).type('form').send({ keyword: 'ab' })).status, 200);
    });

    it('logout and password end every session (401); the password follows the API\'s rules', async () => {
      await createAdmin('root1');
      await insertUser({ username: 'alice1' });
      const first = await imLogin('alice1');
      const agent = await loginAs('root1');
      await agent.post(`/admin/users/${first.id}/logout`);
      assert.equal((await app.httpRequest().post('/api/chat/logout').set('token', first.token)).status, 401);
      const second = await imLogin('alice1');
      const short = await agent.post(`/admin/users/${first.id}/password`, { password: '123' });
      assert.equal(short.status, 422);
      assert.equal((await agent.post(`/admin/users/${first.id}/password`, { password: 'newpass99' })).status, 303);
      assert.equal((await app.httpRequest().post('/api/chat/logout').set('token', second.token)).status, 401);
      await imLogin('alice1', 'newpass99');
      const [ entry ] = await auditRows('user.password');
      assert.doesNotMatch(entry.detail ?? '', /newpass99|scrypt/);
    });

    it('soft delete hides the user (login refused, search empty), restore undoes it; both audited', async () => {
      await createAdmin('root1');
      await insertUser({ username: 'alice1' });
      await insertUser({ username: 'bobby1' });
      const alice = await imLogin('alice1');
      const bob = await imLogin('bobby1');
      const agent = await loginAs('root1');
      assert.equal((await agent.post(`/admin/users/${alice.id}/delete`)).status, 303);
      assert.equal((await app.repos.admin.findUser(alice.id))!.is_deleted, 1);
      assert.equal((await app.httpRequest().post('/api/loginChat').type('form').send({ username: 'alice1', password: PASSWORD })).status, 400);
      const search = await app.httpRequest().post('/api/chat/searchUser').set('token', bob.token).type('form').send({ keyword: 'alice1' });
      assert.deepEqual(search.body.data, []);
      assert.equal((await agent.post(`/admin/users/${alice.id}/restore`)).status, 303);
      await imLogin('alice1');
      assert.equal((await auditRows('user.delete')).length, 1);
      assert.equal((await auditRows('user.restore')).length, 1);
    });

    it('creates a user with the API\'s rules and texts: 422 beside the field, 409 for a taken name', async () => {
      await createAdmin('root1');
      await insertUser({ username: 'taken1' });
      const agent = await loginAs('root1');
      const bad = await agent.post('/admin/users', { username: 'a!', password: PASSWORD });
      assert.equal(bad.status, 422);
      assert.ok(bad.text.includes('id="err-username"'));
      const taken = await agent.post('/admin/users', { username: 'taken1', password: PASSWORD });
      assert.equal(taken.status, 409);
      assert.ok(taken.text.includes('该账号已存在'));
      const made = await agent.post('/admin/users', { username: 'fresh1', password: PASSWORD, avatar: 'https://example.com/a.png' });
      assert.equal(made.status, 303);
      const { avatar } = await imLogin('fresh1');
      assert.equal(avatar, 'https://example.com/a.png');
      const [ entry ] = await auditRows('user.create');
      assert.doesNotMatch(entry.detail ?? '', new RegExp(PASSWORD));
    });
  });

  describe('2FA', () => {
    it('enrolls with a QR code and the secret as text, confirmed by one valid code; ADMIN_REQUIRE_2FA sends to enrollment first', async () => {
      await createAdmin('root1');
      mock(app.config.im.admin, 'require2fa', true);
      const res = await postLogin({ username: 'root1', password: ADMIN_PASSWORD });
      const cookie = cookieOf(res, 'admin_sid')!;
      const dashboard = await app.httpRequest().get('/admin').set('Cookie', cookie);
      assert.equal(dashboard.status, 303);
      assert.equal(dashboard.headers.location, '/admin/me/2fa');
      const page = await app.httpRequest().get('/admin/me/2fa').set('Cookie', cookie).expect(200);
      const secret = /id="twofa-secret">([A-Z2-7]+)</.exec(page.text)![1];
      assert.match(page.text, /src="data:image\/png;base64,/);
      const wrong = await app.httpRequest().post('/admin/me/2fa').set('Cookie', cookie).type('form').send({ _csrf: csrfOf(page.text), otp: '12345' });
      assert.equal(wrong.status, 422);
      const ok = await app.httpRequest().post('/admin/me/2fa').set('Cookie', cookie).type('form').send({ _csrf: csrfOf(page.text), otp: totpCode(secret) });
      assert.equal(ok.status, 303);
      assert.equal((await app.httpRequest().get('/admin').set('Cookie', cookie)).status, 200);
      const [ entry ] = await auditRows('2fa.enroll');
      assert.doesNotMatch(entry.detail ?? '', new RegExp(secret));
      const row = await app.repos.admin.findAdminByName('root1');
      assert.ok(row!.totp_secret && !row!.totp_secret.includes(secret), 'stored encrypted');
    });

    it('removes 2FA with the password and a code', async () => {
      const { secret } = await createAdmin('root1', 'super', true);
      const now = Date.now();
      const agent = await loginAs('root1', secret, now);
      const res = await agent.post('/admin/me/2fa', { action: 'remove', password: ADMIN_PASSWORD, otp: nextCode(secret!, now) });
      assert.equal(res.status, 303);
      assert.equal((await app.repos.admin.findAdminByName('root1'))!.totp_secret, null);
      assert.equal((await auditRows('2fa.remove')).length, 1);
    });
  });

  describe('admins', () => {
    it('the last active super cannot be disabled or demoted, nor can an admin disable or demote themself (409, nothing changed)', async () => {
      const { id } = await createAdmin('root1');
      const agent = await loginAs('root1');
      const self = await agent.post(`/admin/admins/${id}/disable`);
      assert.equal(self.status, 409);
      const demote = await agent.post(`/admin/admins/${id}/role`, { role: 'viewer' });
      assert.equal(demote.status, 409);
      assert.equal((await app.repos.admin.findAdmin(id))!.role, 'super');
      // Another super: root2 may not be demoted while it is the last other... it may, since root1 stays.
      const { id: other } = await createAdmin('root2');
      assert.equal((await agent.post(`/admin/admins/${other}/role`, { role: 'operator' })).status, 303);
      const agent2 = await loginAs('root2');
      assert.equal((await agent2.get('/admin/admins')).status, 403);
      assert.equal((await auditRows('admin.role')).length, 1);
    });

    it('creates admins with the command\'s password rules; a disabled admin\'s sessions end at once', async () => {
      await createAdmin('root1');
      const agent = await loginAs('root1');
      assert.equal((await agent.post('/admin/admins', { username: 'oper1', password: 'short', role: 'operator' })).status, 422);
      assert.equal((await agent.post('/admin/admins', { username: 'oper1', password: '1234567890', role: 'operator' })).status, 422);
      assert.equal((await agent.post('/admin/admins', { username: 'oper1', password: ADMIN_PASSWORD, role: 'operator' })).status, 303);
      const oper = await loginAs('oper1');
      const row = await app.repos.admin.findAdminByName('oper1');
      assert.equal((await agent.post(`/admin/admins/${row!.id}/disable`)).status, 303);
      assert.equal((await oper.get('/admin')).status, 303);
    });
  });

  it('the audit page filters by admin, action and target and shows the codes verbatim', async () => {
    const { id } = await createAdmin('root1');
    const user = await insertUser({ username: 'alice1' });
    const agent = await loginAs('root1');
    await agent.post(`/admin/users/${user.id}/disable`);
    const page = await agent.get(`/admin/audit?admin=${id}&action=user.disable&target=${user.id}`);
    assert.equal(page.status, 200);
    assert.ok(page.text.includes('<code>user.disable</code>'));
    assert.ok(!page.text.includes('<code>login.ok</code>'));
  });

  it('the dashboard shows real figures', async () => {
    await createAdmin('root1');
    await insertUser({ username: 'alice1' });
    await insertUser({ username: 'visitor1', role: 'visitor' });
    const agent = await loginAs('root1');
    await refreshFigures();
    const page = await agent.get('/admin');
    assert.equal(page.status, 200);
    assert.match(page.text, /id="fig-users">1</);
    assert.match(page.text, /id="fig-visitors">1</);
    assert.match(page.text, /id="fig-registrations">2</);
    assert.equal((await agent.get('/admin/assets/chart.umd.js')).status, 200);
  });
});
