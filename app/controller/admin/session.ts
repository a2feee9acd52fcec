import { randomBytes, timingSafeEqual } from 'node:crypto';
import { Controller } from 'egg';
import { ApiError, ForbiddenError } from '../../lib/errors';

const LOGIN_CSRF = 'admin_csrf';

/** CONTRACT-admin §3: GET/POST /admin/login, POST /admin/logout. */
export default class AdminSessionController extends Controller {
  /** The login form; its CSRF token is a double-submit cookie (there is no session yet). */
  async form() {
    const { ctx } = this;
    const token = randomBytes(24).toString('base64url');
    ctx.service.admin.page.setCookie(LOGIN_CSRF, token);
    ctx.state.loginCsrf = token;
    await ctx.service.admin.page.render('login', { username: '' });
  }

  async login() {
    const { ctx } = this;
    const body = (ctx.request.body ?? {}) as Record<string, unknown>;
    const sent = Buffer.from(typeof body._csrf === 'string' ? body._csrf : '');
    const cookie = Buffer.from(ctx.cookies.get(LOGIN_CSRF, { signed: false }) ?? '');
    if (!cookie.length || sent.length !== cookie.length || !timingSafeEqual(sent, cookie)) {
      await ctx.service.admin.audit.record({ action: 'login.fail', adminId: null, detail: { refused: 'csrf' } });
      throw new ForbiddenError('admin.error.csrf');
    }
    const text = (value: unknown) => (typeof value === 'string' ? value : '');
    const username = text(body.username).trim().slice(0, 64);
    try {
      const admin = await ctx.service.admin.auth.login(username, text(body.password), text(body.otp) || undefined);
      const sid = await ctx.service.admin.auth.openSession(admin);
      ctx.service.admin.page.setSessionCookie(sid);
      await ctx.service.admin.page.seeOther('/admin');
    } catch (err) {
      if (!(err instanceof ApiError) || err.status >= 500) throw err;
      ctx.set(err.headers);
      ctx.state.loginCsrf = cookie.toString();
      const translate = ctx.__ as unknown as (key: string) => string;
      await ctx.service.admin.page.render('login', { username, error: translate.call(ctx, err.key) }, err.status);
    }
  }

  async logout() {
    const { ctx } = this;
    const admin = ctx.state.admin;
    await ctx.service.admin.auth.endSession(admin);
    await ctx.service.admin.audit.record({ action: 'logout', adminId: admin.id, targetType: 'admin', targetId: admin.id });
    ctx.service.admin.page.setSessionCookie(null);
    await ctx.service.admin.page.seeOther('/admin/login');
  }
}
