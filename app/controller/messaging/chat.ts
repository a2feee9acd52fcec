import { Controller } from 'egg';
import { parseSendMessage } from '../../lib/messaging/messageInput';
import { DEFAULT_HISTORY_LIMIT, historyParamRules, historyQueryRules, parseRevoke } from '../../lib/messaging/rules';
import { applyRules } from '../../lib/friends/rules';
import { toInt } from '../../lib/rules';
import { Caller } from '../../service/messaging/chat';

export default class ChatController extends Controller {
  private get caller(): Caller {
    const { session, role } = this.ctx.state;
    return { id: session.id, sid: session.sid, role };
  }

  /** POST /api/chat/socket/sendmessage. */
  async send() {
    const { ctx } = this;
    const input = parseSendMessage(ctx.request.body, ctx.state.session.id);
    ctx.ok(await ctx.service.messaging.chat.send(this.caller, input));
  }

  /** POST /api/chat/chatGetmessageOffLine. */
  async offline() {
    const { ctx } = this;
    await ctx.service.messaging.chat.requestCatchUp(this.caller);
    ctx.ok('ok');
  }

  /** POST /api/chat/revokeMessage. */
  async revoke() {
    const { ctx } = this;
    const { id, chatType, toId } = parseRevoke(ctx.request.body);
    ctx.ok(await ctx.service.messaging.chat.revoke(this.caller, id, chatType, toId));
  }

  /** GET /api/chat/history/:user_id (?chatType=group: `:user_id` is a group id). */
  async history() {
    const { ctx } = this;
    ctx.check(historyParamRules, ctx.params);
    const query = ctx.check(historyQueryRules, ctx.query);
    const limit = toInt(query.limit) ?? DEFAULT_HISTORY_LIMIT;
    const { id } = ctx.state.session;
    ctx.okEncoded(await ctx.service.messaging.chat.history(id, Number(ctx.params.user_id), toInt(query.before), limit, query.chatType ?? 'single'));
  }

  /** POST /api/chat/autoAddFriendAndAgree: the friends' request body (friend_id, nickname). */
  async autoAddFriend() {
    const { ctx } = this;
    const { friend_id, nickname } = ctx.check(applyRules);
    await ctx.service.messaging.contacts.autoAddFriendAndAgree(ctx.state.session.id, toInt(friend_id)!, nickname ?? '');
    ctx.ok('ok');
  }
}
