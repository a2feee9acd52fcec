import { Controller } from 'egg';

export default class SessionController extends Controller {
  /** POST /api/chat/logout: revokes the caller's session only. */
  async logout() {
    const { ctx } = this;
    await ctx.service.session.revoke(ctx.state.session);
    ctx.ok(true);
  }
}
