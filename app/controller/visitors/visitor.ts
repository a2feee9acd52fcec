import { Controller } from 'egg';
import { DeviceUserObject } from '../../lib/account/userView';
import {
  SignedFields, VisitorCredentialInput, VisitorRegisterInput, visitorCredentialRules, visitorRegisterRules,
} from '../../lib/visitors/rules';

// CONTRACT visitor routes: no token; AdmissionService checks signature, time and limits first.
export default class VisitorController extends Controller {
  /** POST /api/visitorRegister. */
  async register() {
    // Counted against the device only when it creates a visitor (VisitorService.arrive).
    await this.admitThen<VisitorRegisterInput>(visitorRegisterRules, (input, ip) => this.service.visitors.visitor.arrive(input, ip), false);
  }

  /** POST /api/visitorregChat. */
  async registerUser() {
    await this.admitThen<VisitorCredentialInput>(visitorCredentialRules, (input, ip) => this.service.visitors.visitor.register(input, ip));
  }

  /** POST /api/visitorloginChat. */
  async login() {
    await this.admitThen<VisitorCredentialInput>(visitorCredentialRules, (input, ip) => this.service.visitors.visitor.login(input, ip));
  }

  private async admitThen<T extends SignedFields>(
    rules: Record<string, object>, answer: (input: T, ip: string | null) => Promise<DeviceUserObject>, count = true,
  ) {
    const { ctx } = this;
    const input = await ctx.service.visitors.admission.admit<T>(rules, count);
    const user = await answer(input, ctx.clientIp);
    ctx.state.userId = user.id;
    ctx.ok(user);
  }
}
