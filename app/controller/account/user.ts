import { Controller } from 'egg';
import { credentialsRules } from '../../lib/rules';
import { Credentials } from '../../service/account/user';

export default class UserController extends Controller {
  async register() {
    const { ctx } = this;
    ctx.validate(credentialsRules);
    const user = await ctx.service.account.user.register(ctx.request.body as Credentials, ctx.clientIp);
    ctx.state.userId = user.id;
    ctx.ok(user);
  }

  async login() {
    const { ctx } = this;
    ctx.validate(credentialsRules);
    const user = await ctx.service.account.user.login(ctx.request.body as Credentials, ctx.clientIp);
    ctx.state.userId = user.id;
    ctx.ok(user);
  }
}
