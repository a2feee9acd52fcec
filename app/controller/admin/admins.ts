import { Controller } from 'egg';
import { ApiError, NotFoundError, ValidationError } from '../../lib/errors';
import { isRole } from '../../lib/admin/roles';

/** CONTRACT-admin §4: admin management (super only). */
export default class AdminAdminsController extends Controller {
  private id(): number {
    if (!/^[1-9]\d{0,9}$/.test(this.ctx.params.id)) throw new NotFoundError();
    return Number(this.ctx.params.id);
  }

  async index() {
    await this.render(200, {});
  }

  private async render(status: number, locals: Record<string, unknown>) {
    const admins = await this.ctx.service.admin.admins.list();
    await this.ctx.service.admin.page.render('admins', { admins, form: {}, ...locals }, status);
  }

  /** Runs a change; a refused one (422/404/409) re-renders the page with its text. */
  private async attempt(work: () => Promise<unknown>, notice: string, form: Record<string, unknown> = {}) {
    const { ctx } = this;
    try {
      await work();
    } catch (err) {
      if (!(err instanceof ApiError) || err.status >= 500) throw err;
      const text = (ctx.__ as unknown as (k: string, p: object) => string).call(ctx, err.key, err.params);
      return this.render(err.status, { error: text, form });
    }
    await ctx.service.admin.page.seeOther('/admin/admins', notice);
  }

  async create() {
    const { ctx } = this;
    const body = (ctx.request.body ?? {}) as Record<string, unknown>;
    const username = typeof body.username === 'string' ? body.username.trim() : body.username;
    await this.attempt(() => ctx.service.admin.admins.create(username, body.password, body.role, ctx.state.admin.id), 'adminCreated',
      { username: typeof username === 'string' ? username : '', role: body.role });
  }

  async disable() {
    const id = this.id();
    await this.attempt(() => this.ctx.service.admin.admins.change(this.ctx.state.admin.id, id, { status: 0 }), 'adminDisabled');
  }

  async enable() {
    const id = this.id();
    await this.attempt(() => this.ctx.service.admin.admins.change(this.ctx.state.admin.id, id, { status: 1 }), 'adminEnabled');
  }

  async role() {
    const { ctx } = this;
    const id = this.id();
    const role = (ctx.request.body ?? {}).role;
    await this.attempt(async () => {
      if (!isRole(role)) throw new ValidationError('admin.error.role');
      await ctx.service.admin.admins.change(ctx.state.admin.id, id, { role });
    }, 'adminRole');
  }

  async resetTwoFa() {
    const id = this.id();
    await this.attempt(() => this.ctx.service.admin.admins.resetTwoFa(this.ctx.state.admin.id, id), 'adminTwoFaReset');
  }
}
