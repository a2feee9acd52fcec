import { Service } from 'egg';
import { NotFoundError } from '../../lib/errors';
import { ProfileField } from '../../lib/friends/rules';
import { change, isGone, select } from '../../lib/friends/sql';
import { canonicalUserset, parseUserset } from '../../lib/friends/userset';
import { PROFILE_UPDATED, USER_INFO_COLUMNS, userInfo, UserInfoRow } from '../../lib/friends/views';

export default class ProfileService extends Service {
  /** GET /api/userinfo/:uuid (public): any visible user, visitors included. */
  async byUuid(uuid: string) {
    const [ row ] = await select<{ id: number; uuid: string; username: string; nickname: string; avatar: string; role: string;
      userset: string } & UserInfoRow>(this.ctx.model,
      `SELECT u.id, u.uuid, u.username, u.nickname, u.avatar, u.role, u.userset, ${USER_INFO_COLUMNS}
       FROM \`user\` u LEFT JOIN user_info i ON i.user_id = u.id
       WHERE u.uuid = :uuid AND u.status = 1 AND u.is_deleted = 0`, { uuid: uuid.toLowerCase() });
    if (!row) throw new NotFoundError('friends.userNotFound');
    const { id, username, nickname, avatar, role, userset } = row;
    return { id, uuid: row.uuid, username, nickname, avatar, role, userinfo: userInfo(row), userset };
  }

  /** POST /api/chat/userset: stores the settings (already validated) in their canonical form. */
  async setUserset(userId: number, text: string): Promise<void> {
    await this.update(userId, 'userset', canonicalUserset(parseUserset(text)!));
  }

  /** POST /api/chat/updateUserinfo: one of the caller's own fields (already validated and trimmed). */
  async updateField(userId: number, field: ProfileField, value: string | number): Promise<string> {
    await this.update(userId, field, field === 'invite_confirm' ? Number(value) : value);
    return PROFILE_UPDATED[field];
  }

  private async update(userId: number, column: ProfileField | 'userset', value: string | number): Promise<void> {
    // `column` is one of the names above, never request text.
    await change(this.ctx.model, `UPDATE \`user\` SET \`${column}\` = :value, update_time = :now WHERE id = :id`,
      { value, now: new Date(), id: userId });
  }

  /**
   * POST /api/chat/getUserSetInfo: a user's chat settings and whether they keep me as a friend.
   * Myself always; another user only when visible and not a visitor.
   */
  async settingsOf(userId: number, otherId: number) {
    const [ row ] = await select<{ id: number; userset: string; invite_confirm: number; status: number; is_deleted: number; role: string;
      isblack: number | null; friend_status: number | null }>(this.ctx.model,
      `SELECT u.id, u.userset, u.invite_confirm, u.status, u.is_deleted, u.role, g.isblack, g.status AS friend_status
       FROM \`user\` u LEFT JOIN goodfriend g ON g.user_id = u.id AND g.friend_id = :me
       WHERE u.id = :other`, { me: userId, other: otherId });
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
