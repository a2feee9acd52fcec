import { Service } from 'egg';
import { NotFoundError } from '../../lib/errors';
import { SQL } from '../../lib/friends/queries';
import { ProfileField } from '../../lib/friends/rules';
import { change, isGone, select, utcNow } from '../../lib/friends/sql';
import { canonicalUserset, parseUserset } from '../../lib/friends/userset';
import { PROFILE_UPDATED, userInfo, UserInfoRow } from '../../lib/friends/views';

type ProfileRow = UserInfoRow & { id: number; uuid: string; username: string; nickname: string; avatar: string; role: string; userset: string };
type SettingsRow = { id: number; userset: string; invite_confirm: number; status: number; is_deleted: number; role: string;
  isblack: number | null; friend_status: number | null };

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
   * Myself always; another user only when visible and not a visitor.
   */
  async settingsOf(userId: number, otherId: number) {
    const [ row ] = await select<SettingsRow>(this.ctx.model, SQL.settingsOf, { me: userId, other: otherId });
    if (!row || (otherId !== userId && (isGone(row) || row.role === 'visitor'))) throw new NotFoundError('friends.userNotAddable');
    const isgoodfriend = row.isblack !== null;
    return {
      id: row.id,
      userset: row.userset,
      invite_confirm: row.invite_confirm,
      isgoodfriend,
      isgoodfriend_status: isgoodfriend && row.isblack === 0 && row.friend_status === 1,
    };
  }
}
