import { Service } from 'egg';
import QRCode from 'qrcode';
import { MINUTE } from '../../../config/sections/groups';
import { isGone } from '../../lib/account/standing';
import { ForbiddenError, NotFoundError } from '../../lib/errors';
import { QrChatType, qrText } from '../../lib/groups/notices';
import { MEMBER_STATUS } from '../../lib/groups/views';
import { liveGroup } from './group';

/** What groupQrcode asks: a group (members only) or any enabled user; `http` for an H5 link. */
export interface QrRequest {
  userId: number;
  id: number;
  chatType: QrChatType;
  /** The H5 base URL (validated), or null for the app's JSON text. */
  http: string | null;
}

/** How the PNG is drawn (the tests draw the expected one with the same options). */
export const QR_OPTIONS = { type: 'png', errorCorrectionLevel: 'M', margin: 2, width: 300 } as const;

/** groupQrcode: the code's text per CONTRACT-groups §A "QR", drawn by the `qrcode` package. */
export default class QrcodeService extends Service {
  async png(request: QrRequest): Promise<Buffer> {
    const { userId, id, chatType, http } = request;
    const { groups } = this.app.repos;
    let subject;
    if (chatType === 'group') {
      const group = liveGroup(await groups.findGroup(id));
      if ((await groups.findMembership(id, userId))?.status !== MEMBER_STATUS) throw new ForbiddenError('groups.notMember');
      subject = { chatType, id, name: group.name, avatar: '' };
    } else {
      const [ user ] = await groups.listIdentities(0, [ id ]);
      if (!user || isGone(user)) throw new NotFoundError('groups.qrUserNotFound');
      subject = { chatType, id, name: user.nickname || user.username, avatar: user.avatar ?? '' };
    }
    await this.service.rateLimit.take([ this.service.rateLimit.userBucket(userId, 'qrcode', this.config.im.groups.qrLimit, MINUTE) ]);
    return QRCode.toBuffer(qrText(subject, http), QR_OPTIONS);
  }
}
