import { Controller } from 'egg';
import { credentialsRules } from '../lib/rules';
import { Credentials } from '../service/user';

export default class UserController extends Controller {
  async register() {
    const { ctx } = this;
    ctx.validate(credentialsRules);
    ctx.ok(await ctx.service.user.register(ctx.request.body as Credentials, ctx.clientIp));
  }

  async login() {
    const { ctx } = this;
    ctx.validate(credentialsRules);
    ctx.ok(await ctx.service.user.login(ctx.request.body as Credentials, ctx.clientIp));
  }
}
