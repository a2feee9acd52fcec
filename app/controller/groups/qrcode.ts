import { Controller } from 'egg';
import { ValidationError } from '../../lib/errors';
import { isH5Base, QrChatType } from '../../lib/groups/notices';
import { idRules, qrRules } from '../../lib/groups/rules';
import { toInt } from '../../lib/rules';

// CONTRACT-groups §A "QR": a PNG (errors stay JSON envelopes).
export default class QrcodeController extends Controller {
  /** GET /api/chat/groupQrcode/:id?token=&type=&http=&chatType=. */
  async show() {
    const { ctx } = this;
    const { id } = ctx.check(idRules, ctx.params);
    const query = ctx.check<{ type?: string; http?: string; chatType?: QrChatType }>(qrRules, { ...ctx.query });
    let http: string | null = null;
    if (query.type === 'H5') {
      if (!query.http || !isH5Base(query.http, this.config.im.groups.qrH5Origins)) throw new ValidationError('groups.httpInvalid', { field: 'http' });
      http = query.http;
    }
    const png = await ctx.service.groups.qrcode.png({ userId: ctx.state.session.id, id: toInt(id)!, chatType: query.chatType || 'group', http });
    ctx.status = 200;
    ctx.type = 'image/png';
    ctx.set('Cache-Control', 'no-store');
    ctx.body = png;
  }
}
