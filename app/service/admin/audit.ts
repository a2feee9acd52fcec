import { Service } from 'egg';
import { Transaction } from 'sequelize';
import { AuditAction, auditDetail } from '../../lib/admin/roles';
import { AuditFilter, AuditRow } from '../../repository/admin';

export interface AuditEntry {
  action: AuditAction;
  adminId: number | null;
  targetType?: 'user' | 'group' | 'admin' | null;
  targetId?: number | null;
  detail?: Record<string, unknown>;
}

export const AUDIT_PAGE = 50;

/** CONTRACT-admin §5: the audit trail. One entry per change, in the change's transaction; no secret in `detail`. */
export default class AdminAuditService extends Service {
  async record(entry: AuditEntry, transaction?: Transaction): Promise<void> {
    const { ctx } = this;
    await this.app.repos.admin.saveAudit({
      admin_id: entry.adminId,
      action: entry.action,
      target_type: entry.targetType ?? null,
      target_id: entry.targetId ?? null,
      detail: auditDetail(entry.detail),
      ip: ctx.clientIp,
      user_agent: (ctx.get('user-agent') || '').slice(0, 255) || null,
    }, transaction);
  }

  list(filter: AuditFilter, page: number): Promise<AuditRow[]> {
    return this.app.repos.admin.listAudit(filter, (page - 1) * AUDIT_PAGE, AUDIT_PAGE + 1);
  }
}
