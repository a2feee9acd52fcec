import { Context } from 'egg';
import { ForbiddenError } from '../lib/errors';
import { AdminRole, AuditAction, canAct } from '../lib/admin/roles';
import { SESSION_COOKIE } from '../service/admin/auth';

export interface AdminAuthOptions {
  /** The least role that may use the route. */
  role: AdminRole;
  /**
   * The action a POST performs (fixed, or read from the request when one route does several):
   * a refusal (403, CSRF) is recorded under it. Without one (pages) a refusal is `page.view`.
   */
  action?: AuditAction | ((ctx: Context) => AuditAction);
  targetType?: 'user' | 'group' | 'admin';
  /** The route acts on the signed-in admin (logout, their own 2FA or password): they are the target. */
  self?: boolean;
}

/** Pages an admin who must enroll 2FA first may still reach. */
const ENROLLMENT_PATHS = new Set([ '/admin/me/2fa', '/admin/logout' ]);

/**
 * CONTRACT-admin §3: a live admin session (else 303 to the login page: an IM token opens nothing
 * here), the CSRF token on every POST, ADMIN_REQUIRE_2FA, and the route's role. Refusals are
 * audited with the attempted action.
 */
export default (options: AdminAuthOptions) => async function adminAuth(ctx: Context, next: () => Promise<void>) {
  const session = await ctx.service.admin.auth.resume(ctx.cookies.get(SESSION_COOKIE, { signed: false }));
  if (!session) return ctx.service.admin.page.seeOther('/admin/login');
  // CONTRACT-admin §2, §5, §7: every refusal is one audit entry, under the attempted action.
  const refuse = async (refused: number | string) => {
    const { action } = options;
    const targetId = options.self ? session.id : /^\d{1,10}$/.test(ctx.params?.id ?? '') ? Number(ctx.params.id) : null;
    await ctx.service.admin.audit.record(action ?
      { action: typeof action === 'function' ? action(ctx) : action, adminId: session.id, targetType: options.targetType ?? null, targetId, detail: { refused } } :
      { action: 'page.view', adminId: session.id, targetType: null, targetId, detail: { refused, method: ctx.method, path: ctx.path } });
  };
  if (ctx.method === 'POST' && !ctx.service.admin.auth.csrfMatches(session)) {
    await refuse('csrf');
    throw new ForbiddenError('admin.error.csrf');
  }
  ctx.state.admin = session;
  if (ctx.app.config.im.admin.require2fa && !session.enrolled && !ENROLLMENT_PATHS.has(ctx.path)) {
    return ctx.service.admin.page.seeOther('/admin/me/2fa');
  }
  if (!canAct(session.role, options.role)) {
    await refuse(403);
    throw new ForbiddenError('admin.error.forbidden');
  }
  await next();
};
