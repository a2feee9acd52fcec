// CONTRACT-admin §3: "changing their password ends their sessions at once" — POST
// /admin/me/password, an admin's own password: the current one, the command's rules for the new
// one; every session of the admin ends (this one too), an audit entry without the password.
import { strict as assert } from 'node:assert';
import { app } from 'egg-mock/bootstrap';
import { ADMIN_PASSWORD, auditRows, createAdmin, loginAs, postLogin } from './support';

const NEW_PASSWORD = 'staple-lamp-orbit-42';

describe('POST /admin/me/password (CONTRACT-admin §3)', () => {
  it('the page has the form; a change ends every session of the admin (303 to login), writes one entry without the password', async () => {
    const { id } = await createAdmin('root1');
    const other = await loginAs('root1');
    const agent = await loginAs('root1');
    const page = await agent.get('/admin/me/2fa');
    assert.match(page.text, /<form method="post" action="\/admin\/me\/password"/);
    const res = await agent.post('/admin/me/password', { current: ADMIN_PASSWORD, password: NEW_PASSWORD });
    assert.equal(res.status, 303);
    assert.equal(res.headers.location, '/admin/login');
    for (const session of [ other, agent ]) {
      const after = await session.get('/admin');
      assert.equal(after.status, 303);
      assert.equal(after.headers.location, '/admin/login');
    }
    assert.equal((await postLogin({ username: 'root1', password: ADMIN_PASSWORD })).status, 400, 'the old password is refused');
    assert.equal((await postLogin({ username: 'root1', password: NEW_PASSWORD })).status, 303);
    const entries = await auditRows('admin.password');
    assert.equal(entries.length, 1);
    assert.equal(entries[0].admin_id, id);
    assert.equal(Number(entries[0].target_id), id);
    assert.doesNotMatch(JSON.stringify(entries[0]), new RegExp(`${NEW_PASSWORD}|${ADMIN_PASSWORD}|scrypt`));
  });

  it('a wrong current password: 422 beside the field, nothing changed, sessions kept', async () => {
    const { id } = await createAdmin('root1');
    const agent = await loginAs('root1');
    const before = (await app.repos.admin.findAdmin(id))!.password_hash;
    const res = await agent.post('/admin/me/password', { current: 'not-the-password', password: NEW_PASSWORD });
    assert.equal(res.status, 422);
    assert.ok(res.text.includes('id="err-current"'));
    assert.ok(res.text.includes('当前密码错误'));
    assert.equal((await app.repos.admin.findAdmin(id))!.password_hash, before);
    assert.equal((await agent.get('/admin')).status, 200);
    assert.equal((await auditRows('admin.password')).length, 0);
  });

  it('a weak new password (short, common): 422 with the command\'s texts, nothing changed', async () => {
    const { id } = await createAdmin('root1');
    const agent = await loginAs('root1');
    const before = (await app.repos.admin.findAdmin(id))!.password_hash;
    const short = await agent.post('/admin/me/password', { current: ADMIN_PASSWORD, password: 'short1' });
    assert.equal(short.status, 422);
    assert.ok(short.text.includes('id="err-password"') && short.text.includes('密码至少 10 位'));
    const common = await agent.post('/admin/me/password', { current: ADMIN_PASSWORD, password: 'Password123' });
    assert.equal(common.status, 422);
    assert.ok(common.text.includes('密码过于常见'));
    assert.equal((await app.repos.admin.findAdmin(id))!.password_hash, before);
    assert.equal((await agent.get('/admin')).status, 200);
  });
});
