import { Controller } from 'egg';
import { ForbiddenError } from '../../lib/errors';
import { AgreeType, agreeRules, inviteRules, memberRules } from '../../lib/groups/rules';
import { toInt } from '../../lib/rules';

// CONTRACT-groups §A: who joins (invite / self-join, the owner's approval) and removal.
export default class MembershipController extends Controller {
  /** POST /api/chat/groupInviteUser: answers 加群成功 or 等待群主同意. */
  async invite() {
    const { ctx } = this;
    const { id: userId } = ctx.state.session;
    // The visitor gate of this route (before 422): a visitor may only join himself.
    const body = ctx.request.body as { user_id?: unknown } | undefined;
    if (ctx.state.role === 'visitor' && String(body?.user_id) !== String(userId)) throw new ForbiddenError('error.visitorForbidden');
    const { group_id, user_id, addGroupDesc } = ctx.check(inviteRules);
    const outcome = await ctx.service.groups.membership.join({
      userId, role: ctx.state.role, groupId: toInt(group_id)!, inviteeId: toInt(user_id)!, desc: addGroupDesc ?? '',
    });
    ctx.ok(outcome === 'joined' ? '加群成功' : '等待群主同意');
  }

  /** POST /api/chat/groupAgreeOrNo. */
  async decide() {
    const { ctx } = this;
    const { group_id, user_id, type } = ctx.check<{ group_id: unknown; user_id: unknown; type: AgreeType }>(agreeRules);
    await ctx.service.groups.membership.decide(ctx.state.session.id, toInt(group_id)!, toInt(user_id)!, type);
    ctx.ok('处理成功');
  }

  /** POST /api/chat/groupDeleteUser. */
  async remove() {
    const { ctx } = this;
    const { group_id, user_id } = ctx.check(memberRules);
    await ctx.service.groups.membership.remove(ctx.state.session.id, toInt(group_id)!, toInt(user_id)!);
    ctx.ok('删除群成员成功');
  }
}
