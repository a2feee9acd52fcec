// CONTRACT-admin §2, §5, §7: every refusal (a role without the right, a missing CSRF token) is one
// audit entry under the attempted action, with the acting admin and `{"refused":...}`; a refused
// page read is `page.view` (docs/operations.md "Audit trail").
import { strict as assert } from 'node:assert';
import { app, mock } from 'egg-mock/bootstrap';
import { ADMIN_PASSWORD, auditRows, createAdmin, loginAs, nextCode } from './support';

/** The entries written after `since` (the login's own entries excluded). */
async function entriesAfter(since: number) {
  return (await auditRows()).filter(row => Number(row.id) > since);
}

const lastId = async () => Number((await auditRows())[0]?.id ?? 0);

describe('console refusals are audited (CONTRACT-admin §2, §7)', () => {
  afterEach(() => mock.restore());

  it('POST /admin/logout without the CSRF token: 403, the session lives on, one `logout` entry', async () => {
    const { id } = await createAdmin('root1');
    const agent = await loginAs('root1');
    const since = await lastId();
    const res = await agent.post('/admin/logout', {}, null);
    assert.equal(res.status, 403);
    assert.equal((await agent.get('/admin')).status, 200, 'nothing changed: still signed in');
    const entries = await entriesAfter(since);
    assert.equal(entries.length, 1);
    assert.equal(entries[0].action, 'logout');
    assert.equal(entries[0].admin_id, id);
    assert.equal(Number(entries[0].target_id), id);
    assert.deepEqual(JSON.parse(entries[0].detail!), { refused: 'csrf' });
  });

  it('an operator\'s GET /admin/admins: 403 and one `page.view` entry', async () => {
    const { id } = await createAdmin('oper1', 'operator');
    const agent = await loginAs('oper1');
    const since = await lastId();
    const res = await agent.get('/admin/admins');
    assert.equal(res.status, 403);
    const entries = await entriesAfter(since);
    assert.equal(entries.length, 1);
    assert.equal(entries[0].action, 'page.view');
    assert.equal(entries[0].admin_id, id);
    assert.deepEqual(JSON.parse(entries[0].detail!), { refused: 403, method: 'GET', path: '/admin/admins' });
    // The code is a filter value of the audit page like the others.
    const page = await (await loginAs('oper1')).get('/admin/audit?action=page.view');
    assert.ok(page.text.includes('<code>page.view</code>'));
  });

  it('a role refusal of a POST with an :id records its target', async () => {
    const { id } = await createAdmin('look1', 'viewer');
    const { id: other } = await createAdmin('root1');
    const agent = await loginAs('look1');
    const since = await lastId();
    assert.equal((await agent.post(`/admin/admins/${other}/2fa/reset`)).status, 403);
    const entries = await entriesAfter(since);
    assert.equal(entries.length, 1);
    assert.equal(entries[0].action, 'admin.2fa_reset');
    assert.equal(entries[0].admin_id, id);
    assert.equal(Number(entries[0].target_id), other);
    assert.deepEqual(JSON.parse(entries[0].detail!), { refused: 403 });
  });

  it('POST /admin/me/2fa action=remove without the CSRF token is logged as `2fa.remove`, and 2FA stays', async () => {
    const { id, secret } = await createAdmin('root1', 'super', true);
    const now = Date.now();
    const agent = await loginAs('root1', secret, now);
    const since = await lastId();
    const res = await agent.post('/admin/me/2fa', { action: 'remove', password: ADMIN_PASSWORD, otp: nextCode(secret!, now) }, null);
    assert.equal(res.status, 403);
    assert.ok((await app.repos.admin.findAdmin(id))!.totp_secret, '2FA still on');
    const entries = await entriesAfter(since);
    assert.equal(entries.length, 1);
    assert.equal(entries[0].action, '2fa.remove');
    assert.equal(Number(entries[0].target_id), id);
    assert.deepEqual(JSON.parse(entries[0].detail!), { refused: 'csrf' });
    // Without action=remove the same refusal is an enrollment attempt.
    assert.equal((await agent.post('/admin/me/2fa', { otp: '123456' }, null)).status, 403);
    assert.equal((await entriesAfter(since))[0].action, '2fa.enroll');
  });
});
