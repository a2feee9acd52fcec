import { Controller } from 'egg';
import { AUDIT_ACTIONS, isAuditAction } from '../../lib/admin/roles';
import { AUDIT_PAGE } from '../../service/admin/audit';

/** CONTRACT-admin §4, §7: GET /admin/audit?admin=&action=&target=&page=, newest first. */
export default class AdminAuditController extends Controller {
  async index() {
    const { ctx } = this;
    const id = (value: unknown) => (typeof value === 'string' && /^[1-9]\d{0,15}$/.test(value) ? Number(value) : undefined);
    const page = id(ctx.query.page) ?? 1;
    const filter = { adminId: id(ctx.query.admin), targetId: id(ctx.query.target), action: isAuditAction(ctx.query.action) ? ctx.query.action : undefined };
    const rows = await ctx.service.admin.audit.list(filter, page);
    await ctx.service.admin.page.render('audit', {
      rows: rows.slice(0, AUDIT_PAGE), next: rows.length > AUDIT_PAGE, page, filter, actions: AUDIT_ACTIONS,
    });
  }
}
