import { Service } from 'egg';
import { NotFoundError } from '../../lib/errors';
import { isGone } from '../../lib/account/standing';
import { ProfileField } from '../../lib/friends/rules';
import { canonicalUserset, parseUserset, sendCountFor } from '../../lib/friends/userset';
import { PROFILE_UPDATED, userInfo } from '../../lib/friends/views';

export default class ProfileService extends Service {
  /** GET /api/userinfo/:uuid (public): any visible user, visitors included. */
  async byUuid(uuid: string) {
    const row = await this.app.repos.friends.findProfileByUuid(uuid.toLowerCase());
    if (!row) throw new NotFoundError('friends.userNotFound');
    const { id, username, nickname, avatar, role, userset } = row;
    return { id, uuid: row.uuid, username, nickname, avatar, role, userinfo: userInfo(row), userset };
  }

  /** POST /api/chat/userset: stores the settings (already validated) in their canonical form. */
  async setUserset(userId: number, text: string): Promise<void> {
    await this.app.repos.friends.saveUserset(userId, canonicalUserset(parseUserset(text)!));
  }

  /** POST /api/chat/updateUserinfo: one of the caller's own fields (already validated and trimmed). */
  async updateField(userId: number, field: ProfileField, value: string | number): Promise<string> {
    await this.app.repos.friends.saveProfileField(userId, field, field === 'invite_confirm' ? Number(value) : value);
    return PROFILE_UPDATED[field];
  }

  /**
   * POST /api/chat/getUserSetInfo: a user's chat settings and whether they keep me as a friend.
   * Myself always. Another user counts in my distinct lookups of the window (429 past
   * USER_LOOKUP_LIMIT, USER_LOOKUP_LIMIT_VISITOR for visitors; looking at the same user again
   * is free), then answers only when visible, not a visitor, and someone I could message:
   * their row about me exists, or (a stranger) they neither block me nor refuse my role's
   * messages (`sendCount` 0). Every other case is the same 404, so ids cannot be enumerated.
   */
  async settingsOf(caller: { id: number; role: string }, otherId: number) {
    const userId = caller.id;
    if (otherId !== userId) await this.ctx.service.rateLimit.takeDistinct(this.lookupBucket(caller), String(otherId));
    const row = await this.app.repos.friends.findSettings(userId, otherId);
    const notFound = new NotFoundError('friends.userNotAddable');
    if (!row) throw notFound;
    const isgoodfriend = row.isblack !== null;
    if (otherId !== userId) {
      if (isGone(row) || row.role === 'visitor') throw notFound;
      if (!isgoodfriend && (Number(row.blocks_me) || sendCountFor(row.userset, caller.role) === 0)) throw notFound;
    }
    return {
      id: row.id,
      userset: row.userset,
      invite_confirm: row.invite_confirm,
      isgoodfriend,
      isgoodfriend_status: isgoodfriend && row.isblack === 0 && row.friend_status === 1,
    };
  }

  /** The distinct users a caller looked up in getUserSetInfo, per USER_LOOKUP_WINDOW. */
  private lookupBucket({ id, role }: { id: number; role: string }) {
    const { lookupLimit, lookupLimitVisitor, lookupWindow } = this.config.im.friends;
    return this.ctx.service.rateLimit.userBucket(id, 'user-lookup', role === 'visitor' ? lookupLimitVisitor : lookupLimit, lookupWindow);
  }
}
