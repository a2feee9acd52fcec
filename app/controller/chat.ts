import { Controller } from 'egg';
import { searchRules } from '../lib/rules';

export default class ChatController extends Controller {
  async logout() {
    const { ctx } = this;
    await ctx.service.session.revoke(ctx.state.session);
    ctx.ok(true);
  }

  async searchUser() {
    const { ctx } = this;
    ctx.validate(searchRules);
    const { keyword, limit } = ctx.request.body as { keyword: string; limit?: string | number };
    const { defaultLimit } = this.config.im.search;
    ctx.ok(await ctx.service.search.users(keyword, limit === undefined ? defaultLimit : Number(limit), ctx.state.session.id));
  }
}
