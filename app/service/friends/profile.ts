import { Service } from 'egg';
import { NotFoundError } from '../../lib/errors';
import { SQL } from '../../lib/friends/queries';
import { ProfileField } from '../../lib/friends/rules';
import { change, isGone, select, utcNow } from '../../lib/friends/sql';
import { canonicalUserset, parseUserset, sendCountFor } from '../../lib/friends/userset';
import { PROFILE_UPDATED, userInfo, UserInfoRow } from '../../lib/friends/views';

type ProfileRow = UserInfoRow & { id: number; uuid: string; username: string; nickname: string; avatar: string; role: string; userset: string };
type SettingsRow = { id: number; userset: string; invite_confirm: number; status: number; is_deleted: number; role: string;
  isblack: number | null; friend_status: number | null; blocks_me: number };

const UPDATE_FIELD: Record<ProfileField, string> = {
  nickname: SQL.setNickname,
  avatar: SQL.setAvatar,
  invite_confirm: SQL.setInviteConfirm,
};

export default class ProfileService extends Service {
  /** GET /api/userinfo/:uuid (public): any visible user, visitors included. */
  async byUuid(uuid: string) {
    const [ row ] = await select<ProfileRow>(this.ctx.model, SQL.profileByUuid, { uuid: uuid.toLowerCase() });
    if (!row) throw new NotFoundError('friends.userNotFound');
    const { id, username, nickname, avatar, role, userset } = row;
    return { id, uuid: row.uuid, username, nickname, avatar, role, userinfo: userInfo(row), userset };
  }

  /** POST /api/chat/userset: stores the settings (already validated) in their canonical form. */
  async setUserset(userId: number, text: string): Promise<void> {
    await this.update(SQL.setUserset, userId, canonicalUserset(parseUserset(text)!));
  }

  /** POST /api/chat/updateUserinfo: one of the caller's own fields (already validated and trimmed). */
  async updateField(userId: number, field: ProfileField, value: string | number): Promise<string> {
    await this.update(UPDATE_FIELD[field], userId, field === 'invite_confirm' ? Number(value) : value);
    return PROFILE_UPDATED[field];
  }

  private async update(sql: string, userId: number, value: string | number): Promise<void> {
    await change(this.ctx.model, sql, { value, now: utcNow(), id: userId });
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
    const [ row ] = await select<SettingsRow>(this.ctx.model, SQL.settingsOf, { me: userId, other: otherId });
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
