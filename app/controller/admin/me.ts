import { Controller } from 'egg';
import QRCode from 'qrcode';
import { ApiError } from '../../lib/errors';
import { newTotpSecret, totpUri } from '../../lib/admin/totp';
import { AdminSession } from '../../service/admin/auth';

/** CONTRACT-admin §3, §7: GET/POST /admin/me/2fa, every role's own 2FA; POST /admin/me/password, their own password. */
export default class AdminMeController extends Controller {
  async twoFaForm() {
    await this.render(200, {});
  }

  private async render(status: number, locals: Record<string, unknown>) {
    const { ctx } = this;
    const admin = ctx.state.admin as AdminSession;
    if (admin.enrolled) return ctx.service.admin.page.render('twofa', { enrolled: true, ...locals }, status);
    // The secret being enrolled stays the same across reloads until it is confirmed.
    let secret = ctx.service.admin.auth.pendingSecret(admin);
    if (!secret) {
      secret = newTotpSecret();
      await ctx.service.admin.auth.setPending(admin.sid, secret);
    }
    const uri = totpUri(secret, admin.username);
    const qr = await QRCode.toDataURL(uri, { errorCorrectionLevel: 'M', margin: 1, width: 220 });
    await ctx.service.admin.page.render('twofa', { enrolled: false, secret, uri, qr, ...locals }, status);
  }

  /** `action=remove` (password and a code) removes 2FA; otherwise `otp` confirms the pending secret. */
  async twoFa() {
    const { ctx } = this;
    const admin = ctx.state.admin as AdminSession;
    const body = (ctx.request.body ?? {}) as Record<string, unknown>;
    const { auth } = ctx.service.admin;
    const fail = (key: string) => this.render(422, { error: (ctx.__ as unknown as (k: string) => string).call(ctx, key) });
    const row = await this.app.repos.admin.findAdmin(admin.id);
    if (!row) return ctx.service.admin.page.seeOther('/admin/login');
    if (body.action === 'remove') {
      if (!row.totp_secret) return ctx.service.admin.page.seeOther('/admin/me/2fa');
      if (!await auth.checkPassword(row, body.password) || !await auth.acceptCode(row, body.otp)) return fail('error.badCredentials');
      await ctx.service.admin.admins.setOwnTwoFa(row, null);
      return ctx.service.admin.page.seeOther('/admin/me/2fa', 'twoFaRemoved');
    }
    if (row.totp_secret) return ctx.service.admin.page.seeOther('/admin/me/2fa');
    const secret = auth.pendingSecret(admin);
    if (!secret) return ctx.service.admin.page.seeOther('/admin/me/2fa');
    const sealed = auth.seal(secret);
    if (!await auth.acceptCode({ id: row.id, totp_secret: sealed }, body.otp)) return fail('admin.error.otp');
    await ctx.service.admin.admins.setOwnTwoFa(row, sealed);
    await auth.setPending(admin.sid, null);
    await ctx.service.admin.page.seeOther('/admin', 'twoFaEnrolled');
  }

  /**
   * The current password and a new one (the command's rules). Every session of the admin ends,
   * this one too: 303 to the login page. A refusal re-renders the page with the text beside the field (422).
   */
  async password() {
    const { ctx } = this;
    const body = (ctx.request.body ?? {}) as Record<string, unknown>;
    try {
      await ctx.service.admin.admins.changeOwnPassword((ctx.state.admin as AdminSession).id, body.current, body.password);
    } catch (err) {
      if (!(err instanceof ApiError) || err.status >= 500) throw err;
      const text = (ctx.__ as unknown as (k: string, p: object) => string).call(ctx, err.key, err.params);
      return this.render(err.status, { errors: err.key === 'admin.error.currentPassword' ? { current: text } : { password: text } });
    }
    ctx.service.admin.page.setSessionCookie(null);
    await ctx.service.admin.page.seeOther('/admin/login');
  }
}
