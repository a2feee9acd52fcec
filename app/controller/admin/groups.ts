import { Controller } from 'egg';
import { ApiError, NotFoundError } from '../../lib/errors';
import { checkInteger, MAX_ID } from '../../lib/rules';
import { BANNED_STATUS, LIVE_STATUS } from '../../service/groups/group';

const PAGE = 50;
const ID = /^[1-9]\d{0,9}$/;

/**
 * CONTRACT-admin §4: groups (owner, member count, status; members) and the operator's actions on
 * them. The actions call the groups domain's use cases (ban/unban, dismissal, transfer) as an
 * operator, never write chat_group themselves.
 */
export default class AdminGroupsController extends Controller {
  private id(): number {
    const { id } = this.ctx.params;
    if (!ID.test(id)) throw new NotFoundError();
    return Number(id);
  }

  async index() {
    const { ctx } = this;
    const q = String(ctx.query.q ?? '').trim().slice(0, 50);
    const status = [ '1', '2' ].includes(String(ctx.query.status)) ? Number(ctx.query.status) : undefined;
    const page = /^[1-9]\d{0,5}$/.test(String(ctx.query.page)) ? Number(ctx.query.page) : 1;
    const rows = await this.app.repos.admin.listGroups({ q, status }, (page - 1) * PAGE, PAGE + 1);
    await ctx.service.admin.page.render('groups', {
      rows: rows.slice(0, PAGE), next: rows.length > PAGE, q, statusValue: status === undefined ? '' : String(status), page,
    });
  }

  async show() {
    await this.page(200, {});
  }

  // Egg calls actions with the context as argument: the re-render of a failed form is apart.
  private async page(status: number, locals: Record<string, unknown>) {
    const detail = await this.ctx.service.admin.groups.detail(this.id());
    if (!detail) throw new NotFoundError();
    await this.ctx.service.admin.page.render('group', { ...detail, errors: {}, ...locals }, status);
  }

  /** POST /admin/groups/:id/ban: status 2, every group route and group message of it then answers 404. */
  async ban() {
    const { ctx } = this;
    const id = this.id();
    await ctx.service.groups.group.setStatus(id, BANNED_STATUS, ctx.service.admin.groups.operator('group.ban', id, group => ({ name: group.name })));
    await ctx.service.admin.page.seeOther(`/admin/groups/${id}`, 'groupBanned');
  }

  /** POST /admin/groups/:id/unban: status 1 again. */
  async unban() {
    const { ctx } = this;
    const id = this.id();
    await ctx.service.groups.group.setStatus(id, LIVE_STATUS, ctx.service.admin.groups.operator('group.unban', id, group => ({ name: group.name })));
    await ctx.service.admin.page.seeOther(`/admin/groups/${id}`, 'groupUnbanned');
  }

  /** POST /admin/groups/:id/dismiss: the owner's dismissal rule and notice; the group is gone, so back to the list. */
  async dismiss() {
    const { ctx } = this;
    const id = this.id();
    await ctx.service.groups.group.dismiss(id, ctx.service.admin.groups.operator('group.dismiss', id, group => ({ name: group.name, owner: group.user_id })));
    await ctx.service.admin.page.seeOther('/admin/groups', 'groupDismissed');
  }

  /**
   * POST /admin/groups/:id/transfer (`user_id`): the owner's transfer rule and notice. A bad
   * `user_id` re-renders the page with the error beside the field (422), as do the API's
   * refusals (404 not a member, 400 the owner itself).
   */
  async transfer() {
    const { ctx } = this;
    const id = this.id();
    const raw = (ctx.request.body ?? {}).user_id;
    const translate = (key: string, params: object = {}) => (ctx.__ as unknown as (k: string, p: object) => string).call(ctx, key, params);
    const missing = raw === undefined || raw === null || raw === '';
    const reason = missing ? 'validation.required' : checkInteger({}, raw);
    if (reason) return this.page(422, { errors: { user_id: translate(reason, { field: 'user_id', min: 1, max: MAX_ID }) } });
    const userId = Number(raw);
    try {
      await ctx.service.groups.group.transfer(id, userId, ctx.service.admin.groups.operator('group.transfer', id, group => ({ from: group.user_id, to: userId })));
    } catch (err) {
      // The group itself missing is the page's 404; the rest is about the field.
      if (!(err instanceof ApiError) || err.status >= 500 || err.key === 'groups.notFound') throw err;
      return this.page(err.status, { errors: { user_id: translate(err.key) } });
    }
    await ctx.service.admin.page.seeOther(`/admin/groups/${id}`, 'groupTransferred');
  }
}
