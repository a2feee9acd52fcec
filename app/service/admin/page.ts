import { Service } from 'egg';
import { ApiError } from '../../lib/errors';
import { formatLocal } from '../../lib/time';
import { AdminSession, SESSION_COOKIE } from './auth';

/** A field's error beside it on a re-rendered form. */
export type FieldErrors = Record<string, string>;

/**
 * The console's pages (CONTRACT-admin §1): server-rendered with Nunjucks (app/view/admin), texts
 * from the locale files (Chinese by default, English with Accept-Language: en), post/redirect/get
 * with a one-time notice.
 */
export default class AdminPageService extends Service {
  /** Renders `app/view/admin/<view>.njk` with the layout's values. */
  async render(view: string, locals: Record<string, unknown> = {}, status = 200): Promise<void> {
    const { ctx } = this;
    const admin: AdminSession | undefined = ctx.state.admin;
    const translate = ctx.__ as unknown as (key: string, params?: object) => string;
    const tz = this.config.im.user.timezone;
    ctx.vary('Accept-Language');
    ctx.status = status;
    ctx.type = 'html';
    ctx.body = await ctx.renderView(`admin/${view}.njk`, {
      admin,
      csrf: admin?.csrf ?? ctx.state.loginCsrf ?? '',
      notice: admin?.notice ?? null,
      // koa-locales lower-cases the locale ('en-us'): the page's lang follows the texts' language.
      lang: /^en\b/i.test(ctx.__getLocale?.() ?? '') ? 'en' : 'zh-CN',
      t: (key: string, params?: Record<string, unknown>) => translate.call(ctx, `admin.${key}`, params ?? {}),
      time: (date: Date | string | null) => (date ? formatLocal(new Date(date), tz) : ''),
      path: ctx.path,
      ...locals,
    });
    // Rendering after a redirect was chosen never happens; a rendered page is never a redirect.
    ctx.status = status;
  }

  /** 303 See Other to `url` (every redirect of the console), with a one-time notice on the next page. */
  async seeOther(url: string, notice?: string): Promise<void> {
    const { ctx } = this;
    const admin = ctx.state.admin as AdminSession | undefined;
    if (notice && admin) await ctx.service.admin.auth.setNotice(admin.sid, notice);
    ctx.status = 303;
    ctx.redirect(url);
    ctx.status = 303;
  }

  /** A failure as a page, with the error's status, headers and text. */
  async error(error: ApiError): Promise<void> {
    const { ctx } = this;
    const translate = ctx.__ as unknown as (key: string, params: object) => string;
    ctx.set(error.headers);
    const message = translate.call(ctx, error.key, Object.fromEntries(Object.entries(error.params).map(([ k, v ]) => [ k, String(v) ])));
    await this.render('error', { status: error.status, message }, error.status);
  }

  /** Sets the `admin_sid` cookie (CONTRACT-admin §3): HttpOnly, SameSite=Strict, Path=/admin, Secure over TLS or with ADMIN_COOKIE_SECURE. */
  setCookie(name: string, value: string, maxAgeSeconds?: number): void {
    const { ctx } = this;
    const secure = ctx.protocol === 'https' || this.config.im.admin.cookieSecure;
    const parts = [ `${name}=${value}`, 'Path=/admin', 'HttpOnly', 'SameSite=Strict' ];
    if (maxAgeSeconds !== undefined) parts.push(`Max-Age=${maxAgeSeconds}`);
    if (secure) parts.push('Secure');
    ctx.append('Set-Cookie', parts.join('; '));
  }

  setSessionCookie(sid: string | null): void {
    this.setCookie(SESSION_COOKIE, sid ?? '', sid ? undefined : 0);
  }
}
