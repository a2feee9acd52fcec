// The console's pure rules (app/lib/admin): the address allow list, the secret box, the
// password policy, the audit detail's scrubbing and TOTP codes.
import { strict as assert } from 'node:assert';
import { allowListOf } from '../../app/lib/admin/allowList';
import { adminPasswordReason, isAdminUsername } from '../../app/lib/admin/passwordPolicy';
import { auditDetail, canAct } from '../../app/lib/admin/roles';
import { open, seal } from '../../app/lib/admin/secretBox';
import { newTotpSecret, totpCode, totpStep } from '../../app/lib/admin/totp';

describe('admin rules (app/lib/admin)', () => {
  it('ADMIN_ALLOW_IPS: CIDR ranges and single addresses, IPv4-mapped IPv6 too; empty allows all; a bad entry throws', () => {
    const allowed = allowListOf([ '10.0.0.0/8', '192.168.1.7', '2001:db8::/32' ]);
    assert.ok(allowed('10.1.2.3'));
    assert.ok(allowed('::ffff:10.1.2.3'));
    assert.ok(allowed('192.168.1.7'));
    assert.ok(!allowed('192.168.1.8'));
    assert.ok(allowed('2001:db8::1'));
    assert.ok(!allowed('2001:db9::1'));
    assert.ok(!allowed(null));
    assert.ok(allowListOf([])('8.8.8.8'));
    assert.throws(() => allowListOf([ '10.0.0.0/33' ]));
    assert.throws(() => allowListOf([ 'example.com' ]));
  });

  it('seals TOTP secrets so that only the same key opens them', () => {
    const key = 'k'.repeat(64);
    const sealed = seal('JBSWY3DPEHPK3PXP', key);
    assert.ok(!sealed.includes('JBSWY3DPEHPK3PXP'));
    assert.equal(open(sealed, key), 'JBSWY3DPEHPK3PXP');
    assert.equal(open(sealed, 'x'.repeat(64)), null);
    assert.equal(open('garbage', key), null);
  });

  it('admin passwords: at least 10 characters, not a common one; usernames 4-32 of [A-Za-z0-9_.-]', () => {
    assert.equal(adminPasswordReason('short'), 'admin.password.length');
    assert.equal(adminPasswordReason('1234567890'), 'admin.password.common');
    assert.equal(adminPasswordReason('Password123'), 'admin.password.common');
    assert.equal(adminPasswordReason('correct-horse-battery'), undefined);
    assert.ok(isAdminUsername('ops.root-1'));
    assert.ok(!isAdminUsername('abc'));
    assert.ok(!isAdminUsername('has space'));
  });

  it('roles: viewer < operator < super', () => {
    assert.ok(canAct('super', 'operator') && canAct('operator', 'operator') && !canAct('viewer', 'operator') && !canAct('operator', 'super'));
  });

  it('never stores a secret in an audit detail', () => {
    const stored = auditDetail({ username: 'a', password: 'p', nested: { totp_secret: 's', token: 't', ok: 1 }, passwordHash: 'h' })!;
    assert.deepEqual(JSON.parse(stored), { username: 'a', nested: { ok: 1 } });
  });

  it('TOTP: a code is valid within one step either side, not beyond', () => {
    const secret = newTotpSecret();
    const now = 1_800_000_000_000;
    const step = Math.floor(now / 30000);
    assert.equal(totpStep(secret, totpCode(secret, now), now), step);
    assert.equal(totpStep(secret, totpCode(secret, now - 30000), now), step - 1);
    assert.equal(totpStep(secret, totpCode(secret, now - 90000), now), null);
    assert.equal(totpStep(secret, 'abcdef', now), null);
  });
});
