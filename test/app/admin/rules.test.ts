// CONTRACT-admin §3, §4, §6, §7: the console's rules that console.test.ts does not reach — the
// allow list behind a proxy, English pages, the remaining admin actions and their audit entries,
// the idle timeout, and the audit page's order and paging.
import { strict as assert } from 'node:assert';
import { app, mock } from 'egg-mock/bootstrap';
import { sessionKey } from '../../../app/lib/admin/keys';
import { ADMIN_PASSWORD, auditRows, createAdmin, loginAs, postLogin } from './support';

describe('console rules (CONTRACT-admin)', () => {
  afterEach(() => mock.restore());

  describe('ADMIN_ALLOW_IPS and X-Forwarded-For (§7: the socket\'s address, X-Forwarded-For only with TRUST_PROXY)', () => {
    it('without TRUST_PROXY an allowed X-Forwarded-For opens nothing and a refused one closes nothing', async () => {
      mock(app.config, 'proxy', false);
      mock(app.config.im.admin, 'allowIps', [ '10.0.0.0/8' ]);
      assert.equal((await app.httpRequest().get('/admin/login').set('X-Forwarded-For', '10.1.2.3')).status, 404);
      mock(app.config.im.admin, 'allowIps', [ '127.0.0.0/8', '::1/128' ]);
      assert.equal((await app.httpRequest().get('/admin/login').set('X-Forwarded-For', '203.0.113.9')).status, 200);
    });

    it('with TRUST_PROXY the client address is X-Forwarded-For\'s', async () => {
      mock(app.config, 'proxy', true);
      mock(app.config.im.admin, 'allowIps', [ '10.0.0.0/8' ]);
      assert.equal((await app.httpRequest().get('/admin/login').set('X-Forwarded-For', '10.1.2.3')).status, 200);
      assert.equal((await app.httpRequest().get('/admin/login').set('X-Forwarded-For', '203.0.113.9')).status, 404);
      assert.equal((await app.httpRequest().get('/admin/login')).status, 404, 'the socket\'s 127.0.0.1 is outside the list');
    });
  });

  it('pages are English with Accept-Language: en (text and lang="en"), Chinese otherwise', async () => {
    await createAdmin('root1');
    const en = await app.httpRequest().get('/admin/login').set('Accept-Language', 'en');
    assert.match(en.text, /<html lang="en">/);
    assert.ok(en.text.includes('Admin login') && !en.text.includes('管理员登录'));
    const failed = await postLogin({ username: 'root1', password: 'wrong-password-1' });
    assert.ok(failed.text.includes('账号或密码错误'));
    const agent = await loginAs('root1');
    const dashboard = await app.httpRequest().get('/admin').set('Cookie', agent.cookie).set('Accept-Language', 'en-US,en;q=0.9');
    assert.match(dashboard.text, /<html lang="en">/);
    assert.ok(dashboard.text.includes('Per minute, last hour') && dashboard.text.includes('Log out'));
    const zh = await agent.get('/admin');
    assert.match(zh.text, /<html lang="zh-CN">/);
    assert.ok(zh.text.includes('最近一小时每分钟'));
  });

  describe('admins (§4)', () => {
    it('POST /admin/admins/:id/enable: the admin can log in again; one admin.enable entry', async () => {
      const { id: actor } = await createAdmin('root1');
      const { id } = await createAdmin('oper1', 'operator');
      const agent = await loginAs('root1');
      assert.equal((await agent.post(`/admin/admins/${id}/disable`)).status, 303);
      assert.equal((await postLogin({ username: 'oper1', password: ADMIN_PASSWORD })).status, 400);
      const res = await agent.post(`/admin/admins/${id}/enable`);
      assert.equal(res.status, 303);
      assert.equal(res.headers.location, '/admin/admins');
      assert.equal((await app.repos.admin.findAdmin(id))!.status, 1);
      assert.equal((await postLogin({ username: 'oper1', password: ADMIN_PASSWORD })).status, 303);
      const entries = await auditRows('admin.enable');
      assert.equal(entries.length, 1);
      assert.equal(entries[0].admin_id, actor);
      assert.equal(Number(entries[0].target_id), id);
    });

    it('POST /admin/admins/:id/2fa/reset removes their 2FA (they log in without a code); one admin.2fa_reset entry', async () => {
      const { id: actor } = await createAdmin('root1');
      const { id } = await createAdmin('oper1', 'operator', true);
      const agent = await loginAs('root1');
      const res = await agent.post(`/admin/admins/${id}/2fa/reset`);
      assert.equal(res.status, 303);
      assert.equal((await app.repos.admin.findAdmin(id))!.totp_secret, null);
      assert.equal((await postLogin({ username: 'oper1', password: ADMIN_PASSWORD })).status, 303);
      const entries = await auditRows('admin.2fa_reset');
      assert.equal(entries.length, 1);
      assert.equal(entries[0].admin_id, actor);
      assert.equal(Number(entries[0].target_id), id);
      assert.equal((await agent.post('/admin/admins/999999/2fa/reset')).status, 404);
    });

    it('POST /admin/admins with a taken name: 409, the page again, no second admin; the first creation audited once', async () => {
      const { id: actor } = await createAdmin('root1');
      const agent = await loginAs('root1');
      assert.equal((await agent.post('/admin/admins', { username: 'oper1', password: ADMIN_PASSWORD, role: 'operator' })).status, 303);
      const taken = await agent.post('/admin/admins', { username: 'oper1', password: 'another-long-one', role: 'viewer' });
      assert.equal(taken.status, 409);
      assert.match(taken.text, /<h1>/);
      assert.equal((await app.repos.admin.listAdmins()).filter(row => row.username === 'oper1').length, 1);
      assert.equal((await app.repos.admin.findAdminByName('oper1'))!.role, 'operator');
      const entries = await auditRows('admin.create');
      // root1 (made by the helper, no actor) and oper1 by root1.
      const byActor = entries.filter(row => row.admin_id === actor);
      assert.equal(byActor.length, 1);
      assert.deepEqual(JSON.parse(byActor[0].detail!), { username: 'oper1', role: 'operator' });
    });
  });

  describe('idle timeout ADMIN_IDLE_MINUTES (§3)', () => {
    it('each request starts the idle time again, from the setting', async () => {
      await createAdmin('root1');
      const agent = await loginAs('root1');
      const key = sessionKey(app.config.im.admin.keyPrefix, agent.cookie.split('=')[1]);
      // As if most of the idle time had passed.
      await app.redis.pexpire(key, 5_000);
      assert.equal((await agent.get('/admin/users')).status, 200);
      const pttl = await app.redis.pttl(key);
      assert.ok(pttl > 29 * 60_000 && pttl <= 30 * 60_000, `refreshed to 30 min, got ${pttl}`);
      mock(app.config.im.admin, 'idleMinutes', 2);
      assert.equal((await agent.get('/admin/users')).status, 200);
      const short = await app.redis.pttl(key);
      assert.ok(short > 60_000 && short <= 2 * 60_000, `refreshed to 2 min, got ${short}`);
    });

    it('a session whose key expired answers 303 to the login page', async () => {
      await createAdmin('root1');
      const agent = await loginAs('root1');
      const key = sessionKey(app.config.im.admin.keyPrefix, agent.cookie.split('=')[1]);
      await app.redis.pexpire(key, 1);
      while (await app.redis.exists(key)) await new Promise(resolve => setTimeout(resolve, 5));
      for (const res of [ await agent.get('/admin'), await agent.post('/admin/logout') ]) {
        assert.equal(res.status, 303);
        assert.equal(res.headers.location, '/admin/login');
      }
    });
  });

  it('the audit page lists newest first, 50 a page, the 51st on page 2', async () => {
    await createAdmin('root1');
    const ctx = app.mockContext();
    for (let target = 1; target <= 51; target++) {
      await ctx.service.admin.audit.record({ action: 'user.enable', adminId: null, targetType: 'user', targetId: target });
    }
    const agent = await loginAs('root1');
    const targets = (html: string) => [ ...html.matchAll(/user #(\d+)</g) ].map(match => Number(match[1]));
    const first = await agent.get('/admin/audit?action=user.enable');
    assert.deepEqual(targets(first.text), Array.from({ length: 50 }, (_, i) => 51 - i));
    assert.ok(first.text.includes('page=2'), 'a link to page 2');
    const second = await agent.get('/admin/audit?action=user.enable&page=2');
    assert.deepEqual(targets(second.text), [ 1 ]);
    assert.ok(!second.text.includes('page=3'));
    // Without a filter the newest entry (the login) comes first.
    const all = await agent.get('/admin/audit');
    assert.ok(all.text.indexOf('<code>login.ok</code>') < all.text.indexOf('<code>user.enable</code>'));
  });
});
