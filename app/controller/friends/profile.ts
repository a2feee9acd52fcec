import { Controller } from 'egg';
import { fieldnameRules, fieldValueRules, ProfileField, userSetInfoRules, usersetRules, uuidRules } from '../../lib/friends/rules';
import { toInt } from '../../lib/rules';

export default class ProfileController extends Controller {
  /** GET /api/userinfo/:uuid (public). */
  async show() {
    const { ctx } = this;
    const { uuid } = ctx.check(uuidRules, ctx.params);
    ctx.ok(await ctx.service.friends.profile.byUuid(uuid));
  }

  /** POST /api/chat/userset. */
  async userset() {
    const { ctx } = this;
    const { userset } = ctx.check(usersetRules);
    await ctx.service.friends.profile.setUserset(ctx.state.session.id, userset);
    ctx.ok('ok');
  }

  /** POST /api/chat/updateUserinfo: `fieldname` first, then `fieldValue` by that field's rule. */
  async update() {
    const { ctx } = this;
    const { fieldname } = ctx.check<{ fieldname: ProfileField }>(fieldnameRules);
    const { fieldValue } = ctx.check(fieldValueRules[fieldname]);
    ctx.ok(await ctx.service.friends.profile.updateField(ctx.state.session.id, fieldname, fieldValue));
  }

  /** POST /api/chat/getUserSetInfo. */
  async settings() {
    const { ctx } = this;
    const { userid } = ctx.check(userSetInfoRules);
    ctx.ok(await ctx.service.friends.profile.settingsOf(ctx.state.session, toInt(userid)!));
  }
}
