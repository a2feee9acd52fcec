import { Controller } from 'egg';
import {
  VisitorCredentialInput, VisitorRegisterInput, visitorCredentialRules, visitorRegisterRules,
} from '../../lib/visitors/rules';

// CONTRACT visitor routes: no token; AdmissionService checks signature, time and limits first.
export default class VisitorController extends Controller {
  /** POST /api/visitorRegister. */
  async register() {
    const { ctx } = this;
    const input = await ctx.service.visitors.admission.admit<VisitorRegisterInput>(visitorRegisterRules);
    const user = await ctx.service.visitors.visitor.arrive(input, ctx.clientIp);
    ctx.state.userId = user.id;
    ctx.ok(user);
  }

  /** POST /api/visitorregChat. */
  async registerUser() {
    const { ctx } = this;
    const input = await ctx.service.visitors.admission.admit<VisitorCredentialInput>(visitorCredentialRules);
    const user = await ctx.service.visitors.visitor.register(input, ctx.clientIp);
    ctx.state.userId = user.id;
    ctx.ok(user);
  }

  /** POST /api/visitorloginChat. */
  async login() {
    const { ctx } = this;
    const input = await ctx.service.visitors.admission.admit<VisitorCredentialInput>(visitorCredentialRules);
    const user = await ctx.service.visitors.visitor.login(input, ctx.clientIp);
    ctx.state.userId = user.id;
    ctx.ok(user);
  }
}
