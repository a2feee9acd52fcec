import { Controller } from 'egg';
import { searchRules } from '../../lib/rules';

export default class SearchController extends Controller {
  /** POST /api/chat/searchUser. */
  async users() {
    const { ctx } = this;
    ctx.validate(searchRules);
    // egg-validate lets an optional field through as null (JSON `"limit": null`): use the default.
    const { keyword, limit } = ctx.request.body as { keyword: string; limit?: string | number | null };
    const { defaultLimit } = this.config.im.search;
    ctx.ok(await ctx.service.account.search.users(keyword, Number(limit ?? defaultLimit), ctx.state.session.id));
  }
}
