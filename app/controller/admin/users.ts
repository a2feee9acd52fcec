import { Controller } from 'egg';
import { ApiError, NotFoundError } from '../../lib/errors';
import { checkPassword, checkUsername } from '../../lib/rules';
import { checkProfileAvatar } from '../../lib/friends/rules';
import { USER_PAGE } from '../../service/admin/users';

const ID = /^[1-9]\d{0,9}$/;

/** CONTRACT-admin §4: the users pages and the operator's actions on users. */
export default class AdminUsersController extends Controller {
  private id(): number {
    const { id } = this.ctx.params;
    if (!ID.test(id)) throw new NotFoundError();
    return Number(id);
  }

  private page(): number {
    const page = String(this.ctx.query.page ?? '1');
    return /^[1-9]\d{0,5}$/.test(page) ? Number(page) : 1;
  }

  async index() {
    await this.list(200, {});
  }

  async show() {
    await this.profile(200, {});
  }

  // Egg calls actions with the context as argument: the re-renders of failed forms are apart.
  private async list(status: number, locals: Record<string, unknown>) {
    const { ctx } = this;
    const q = String(ctx.query.q ?? '').trim();
    const statusFilter = [ '0', '1' ].includes(String(ctx.query.status)) ? Number(ctx.query.status) : undefined;
    const role = [ 'user', 'visitor' ].includes(String(ctx.query.role)) ? String(ctx.query.role) : undefined;
    const page = this.page();
    const rows = await ctx.service.admin.users.list(q, { status: statusFilter, role }, page);
    await ctx.service.admin.page.render('users', {
      rows: rows.slice(0, USER_PAGE), q, statusValue: statusFilter === undefined ? '' : String(statusFilter), role, page, next: rows.length > USER_PAGE, form: {}, ...locals,
    }, status);
  }

  private async profile(status: number, locals: Record<string, unknown>) {
    const { ctx } = this;
    const detail = await ctx.service.admin.users.detail(this.id());
    if (!detail) throw new NotFoundError();
    await ctx.service.admin.page.render('user', { ...detail, ...locals }, status);
  }

  /** POST /admin/users: the API's rules and texts for username and password; avatar as updateUserinfo's. */
  async create() {
    const { ctx } = this;
    const body = (ctx.request.body ?? {}) as Record<string, unknown>;
    const translate = (key: string, params: object = {}) => (ctx.__ as unknown as (k: string, p: object) => string).call(ctx, key, params);
    const errors: Record<string, string> = {};
    const username = typeof body.username === 'string' ? body.username.trim() : body.username;
    const avatar = typeof body.avatar === 'string' && body.avatar.trim() ? body.avatar.trim() : undefined;
    const usernameReason = checkUsername({}, username);
    if (usernameReason) errors.username = translate(usernameReason, { field: 'username', min: 4, max: 20 });
    const passwordReason = checkPassword({}, body.password);
    if (passwordReason) errors.password = translate(passwordReason, { field: 'password', min: 6, max: 20 });
    const avatarReason = avatar === undefined ? undefined : checkProfileAvatar({}, avatar);
    if (avatarReason) errors.avatar = translate(avatarReason, { field: 'avatar' });
    const form = { username: typeof username === 'string' ? username : '', avatar: avatar ?? '' };
    if (Object.keys(errors).length) return this.list(422, { errors, form });
    try {
      let createdId = 0;
      await ctx.service.account.standing.create({ username: username as string, password: body.password as string }, avatar, ctx.clientIp,
        async (transaction, user) => {
          createdId = user.id;
          await ctx.service.admin.audit.record({ action: 'user.create', adminId: ctx.state.admin.id, targetType: 'user', targetId: user.id,
            detail: { username: user.username } }, transaction);
        });
      await ctx.service.admin.page.seeOther(`/admin/users/${createdId}`, 'created');
    } catch (err) {
      if (!(err instanceof ApiError) || err.status >= 500) throw err;
      return this.list(err.status, { errors: { username: translate(err.key) }, form });
    }
  }

  async disable() {
    const id = this.id();
    await this.ctx.service.admin.users.act('user.disable', id, within => this.ctx.service.account.standing.setStatus(id, 0, within));
    await this.ctx.service.admin.page.seeOther(`/admin/users/${id}`, 'disabled');
  }

  async enable() {
    const id = this.id();
    await this.ctx.service.admin.users.act('user.enable', id, within => this.ctx.service.account.standing.setStatus(id, 1, within));
    await this.ctx.service.admin.page.seeOther(`/admin/users/${id}`, 'enabled');
  }

  async logout() {
    const id = this.id();
    await this.ctx.service.admin.users.act('user.logout', id, within => this.ctx.service.account.standing.endSessions(id, within));
    await this.ctx.service.admin.page.seeOther(`/admin/users/${id}`, 'loggedOut');
  }

  async password() {
    const { ctx } = this;
    const id = this.id();
    const password = (ctx.request.body ?? {}).password;
    const reason = checkPassword({}, password);
    if (reason) {
      const text = (ctx.__ as unknown as (k: string, p: object) => string).call(ctx, reason, { field: 'password', min: 6, max: 20 });
      return this.profile(422, { errors: { password: text } });
    }
    await ctx.service.admin.users.act('user.password', id, within => ctx.service.account.standing.setPassword(id, password, within));
    await ctx.service.admin.page.seeOther(`/admin/users/${id}`, 'passwordSet');
  }

  async delete() {
    const id = this.id();
    await this.ctx.service.admin.users.act('user.delete', id, within => this.ctx.service.account.standing.softDelete(id, within));
    await this.ctx.service.admin.page.seeOther(`/admin/users/${id}`, 'deleted');
  }

  async restore() {
    const id = this.id();
    await this.ctx.service.admin.users.act('user.restore', id, within => this.ctx.service.account.standing.restore(id, within));
    await this.ctx.service.admin.page.seeOther(`/admin/users/${id}`, 'restored');
  }
}
