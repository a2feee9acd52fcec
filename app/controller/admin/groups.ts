import { Controller } from 'egg';
import { NotFoundError } from '../../lib/errors';

const PAGE = 50;

/**
 * CONTRACT-admin §4: groups, read-only for now (owner, member count, status; members). The
 * group actions (ban, unban, dismiss, transfer) wait for operator use cases in the groups domain
 * (it has no ban/unban, and its dismissal and transfer act as the owner): the console will call
 * those, never write chat_group itself.
 */
export default class AdminGroupsController extends Controller {
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
    const { ctx } = this;
    if (!/^[1-9]\d{0,9}$/.test(ctx.params.id)) throw new NotFoundError();
    const id = Number(ctx.params.id);
    const group = await this.app.repos.groups.findGroup(id);
    if (!group) throw new NotFoundError();
    const [ members, owner ] = await Promise.all([ this.app.repos.groups.listMembers(id, 500), this.app.repos.admin.findUser(group.user_id) ]);
    await ctx.service.admin.page.render('group', { group, members, owner });
  }
}
