import { Controller } from 'egg';
import { applyRules, handleRules, HandleStatus, idRules, limitRules, pageRules, remarkRules, uuidRules } from '../../lib/friends/rules';
import { toInt } from '../../lib/rules';

export default class ApplicationController extends Controller {
  /** POST /api/chat/applyfriend. */
  async apply() {
    const { ctx } = this;
    const { friend_id, nickname } = ctx.check(applyRules);
    await ctx.service.friends.application.apply(ctx.state.session.id, toInt(friend_id)!, nickname ?? '');
    ctx.ok('ok');
  }

  /** GET /api/chat/listapplyfriend/:page?limit=. */
  async list() {
    const { ctx } = this;
    const { page } = ctx.check(pageRules, ctx.params);
    const { limit } = ctx.check(limitRules(100), ctx.query);
    ctx.okEncoded(await ctx.service.friends.application.inboxJson(ctx.state.session.id, toInt(page) ?? 1, toInt(limit) ?? 10));
  }

  /** POST /api/chat/handleapply/:id. */
  async handle() {
    const { ctx } = this;
    const { id } = ctx.check(idRules, ctx.params);
    const { status } = ctx.check<{ status: HandleStatus }>(handleRules);
    // The remark matters (and is checked) only when agreeing.
    const remark = status === 'agree' ? ctx.check(remarkRules).nickname ?? '' : '';
    await ctx.service.friends.application.handle(ctx.state.session.id, toInt(id)!, status, remark);
    ctx.ok('ok');
  }

  /** POST /api/chat/isApplyfriend/:uuid. */
  async pending() {
    const { ctx } = this;
    const { uuid } = ctx.check(uuidRules, ctx.params);
    ctx.ok(await ctx.service.friends.application.pendingFrom(ctx.state.session.id, uuid));
  }
}
