// CONTRACT-admin §2: roles and what each may do; §7: the codes of the audit trail.

export const ROLES = [ 'viewer', 'operator', 'super' ] as const;
export type AdminRole = typeof ROLES[number];

/** viewer reads every page; operator also acts on users and groups; super also manages admins. */
export const canAct = (role: AdminRole, needed: AdminRole) => ROLES.indexOf(role) >= ROLES.indexOf(needed);

export const isRole = (value: unknown): value is AdminRole => (ROLES as readonly unknown[]).includes(value);

/** Every audit action code, shown verbatim on the audit page (CONTRACT-admin §7). */
export const AUDIT_ACTIONS = [
  'user.create', 'user.disable', 'user.enable', 'user.logout', 'user.password', 'user.delete', 'user.restore',
  'group.ban', 'group.unban', 'group.dismiss', 'group.transfer',
  'admin.create', 'admin.disable', 'admin.enable', 'admin.role', 'admin.2fa_reset',
  'login.ok', 'login.fail', 'logout', '2fa.enroll', '2fa.remove',
  // Not in §7's list (docs/operations.md "Audit trail"): an admin's own password change, and a
  // page read refused by role (a GET changes nothing, but a refusal is audited: §2).
  'admin.password', 'page.view',
] as const;
export type AuditAction = typeof AUDIT_ACTIONS[number];

export const isAuditAction = (value: unknown): value is AuditAction => (AUDIT_ACTIONS as readonly unknown[]).includes(value);

/** Keys that never go into an audit entry's detail, at any depth (CONTRACT-admin §5). */
const SECRET_KEYS = /pass|hash|token|secret|otp|csrf|cookie|sid/i;

/** The detail as stored: JSON without any secret-looking field. */
export function auditDetail(detail: Record<string, unknown> | undefined): string | null {
  if (!detail) return null;
  const clean = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(clean);
    if (value && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).filter(([ key ]) => !SECRET_KEYS.test(key)).map(([ key, v ]) => [ key, clean(v) ]));
    }
    return value;
  };
  return JSON.stringify(clean(detail));
}
