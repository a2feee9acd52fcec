import { Application, Context } from 'egg';
import { allowListOf } from '../lib/admin/allowList';
import { ApiError, NotFoundError } from '../lib/errors';
import { toApiError } from './errorHandler';

export const isAdminPath = (path: string) => path === '/admin' || path.startsWith('/admin/');

/**
 * CONTRACT-admin §3, §6: in front of every /admin path. Disabled console or an address outside
 * ADMIN_ALLOW_IPS: exactly the unknown path's answer. Otherwise the console's headers on every
 * answer, and failures below as HTML pages (the API's JSON envelope stays the API's).
 */
export default (_options: unknown, app: Application) => {
  // Read per request (tests change the settings); the matcher is rebuilt only when the list changes.
  let list: string[] | undefined;
  let matcher: (ip: string | null) => boolean = () => true;
  const allowed = (ip: string | null) => {
    const { allowIps } = app.config.im.admin;
    if (allowIps !== list) [ list, matcher ] = [ allowIps, allowListOf(allowIps) ];
    return matcher(ip);
  };
  const headers = {
    // No inline script at all: the pages' data travels in JSON <script type="application/json"> blocks.
    'content-security-policy': "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: https: http:; " +
      "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    'x-frame-options': 'DENY',
    'cache-control': 'no-store',
    'referrer-policy': 'same-origin',
    'x-content-type-options': 'nosniff',
  };

  return async function adminGate(ctx: Context, next: () => Promise<void>) {
    if (!isAdminPath(ctx.path)) return next();
    if (!app.config.im.admin.enabled || !allowed(ctx.clientIp)) throw new NotFoundError();
    ctx.set(headers);
    // egg-security sets its X-Frame-Options after the route answered: DENY for the console.
    (ctx as unknown as { securityOptions: Record<string, unknown> }).securityOptions.xframe = { value: 'DENY' };
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) throw new NotFoundError();
    } catch (err) {
      const error: ApiError = toApiError(err);
      if (error.status >= 500) ctx.logger.error('[admin] %s %s -> %d %s: %s', ctx.method, ctx.path, error.status, (err as Error)?.name, (err as Error)?.message);
      ctx.set(headers);
      await ctx.service.admin.page.error(error);
    }
  };
};
