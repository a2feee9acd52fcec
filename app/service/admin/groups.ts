import { Service } from 'egg';
import { AuditAction } from '../../lib/admin/roles';
import type { OperatorActor } from '../groups/group';

/**
 * CONTRACT-admin §4: the console's group pages. Reads here; every change goes through the groups
 * domain's own use cases (app/service/groups/group.ts: setStatus, dismiss, transfer) as an
 * operator actor, whose audit entry is written inside the change's transaction.
 */
export default class AdminGroupsService extends Service {
  /** The group, its members (join order, gone users left out) and its owner's row; null when there is no such group. */
  async detail(id: number) {
    const { repos } = this.app;
    const group = await repos.groups.findGroup(id);
    if (!group) return null;
    const [ members, owner ] = await Promise.all([ repos.groups.listMembers(id, this.config.im.groups.maxMembers), repos.admin.findUser(group.user_id) ]);
    return { group, members, owner };
  }

  /**
   * The acting operator for the groups' use cases: the audit entry (`action` on the group,
   * `detail` from the row before the change) goes into the change's transaction.
   */
  operator(action: AuditAction, groupId: number, detail: (group: { user_id: number; name: string; status: number }) => Record<string, unknown> = () => ({})): OperatorActor {
    const { ctx } = this;
    const adminId = ctx.state.admin.id as number;
    return {
      operator: (transaction, group) => ctx.service.admin.audit.record({ action, adminId, targetType: 'group', targetId: groupId, detail: detail(group) }, transaction),
    };
  }
}
