import { Controller } from 'egg';
import { blackRules, idRules, limitRules, pageRules, starRules, visibilityRules } from '../../lib/friends/rules';
import { FRIEND_DELETED } from '../../lib/friends/views';
import { toInt } from '../../lib/rules';

export default class FriendController extends Controller {
  /** The `:id` of the path: the friend's user id. */
  private friendId(): number {
    return toInt(this.ctx.check(idRules, this.ctx.params).id)!;
  }

  /** GET /api/chat/goodfriendlist/:page?limit=. */
  async list() {
    const { ctx } = this;
    const { page } = ctx.check(pageRules, ctx.params);
    const { limit } = ctx.check(limitRules(2000), ctx.query);
    ctx.okEncoded(await ctx.service.friends.friend.listJson(ctx.state.session.id, toInt(page) ?? 1, toInt(limit) ?? 2000));
  }

  /** GET /api/chat/getgoodfriendinfo/:id. */
  async info() {
    const { ctx } = this;
    ctx.ok(await ctx.service.friends.friend.info(ctx.state.session.id, this.friendId()));
  }

  /** POST /api/chat/ismygoodfriend/:id. */
  async mine() {
    const { ctx } = this;
    ctx.ok(await ctx.service.friends.friend.mine(ctx.state.session.id, this.friendId()));
  }

  /** POST /api/chat/setblackgoodfriend/:id: `isblack` 0/1, absent = flip. */
  async setBlack() {
    const { ctx } = this;
    const friendId = this.friendId();
    const { isblack } = ctx.check(blackRules);
    await ctx.service.friends.block.set(ctx.state.session.id, friendId, toInt(isblack) ?? null);
    ctx.ok('ok');
  }

  /** POST /api/chat/setstargoodfriend/:id: `ismystarfriend` 0/1, absent = flip. */
  async setStar() {
    const { ctx } = this;
    const friendId = this.friendId();
    const { ismystarfriend } = ctx.check(starRules);
    await ctx.service.friends.friend.setStar(ctx.state.session.id, friendId, toInt(ismystarfriend) ?? null);
    ctx.ok('ok');
  }

  /** POST /api/chat/setmeOrfriendCanSee/:id. */
  async setVisibility() {
    const { ctx } = this;
    const friendId = this.friendId();
    const { friendlookme, melookfriend } = ctx.check(visibilityRules);
    await ctx.service.friends.friend.setVisibility(ctx.state.session.id, friendId, toInt(friendlookme)!, toInt(melookfriend)!);
    ctx.ok('ok');
  }

  /** POST /api/chat/deletegoodfriend/:id. */
  async remove() {
    const { ctx } = this;
    await ctx.service.friends.friendship.unfriend(ctx.state.session.id, this.friendId());
    ctx.ok(FRIEND_DELETED);
  }
}
