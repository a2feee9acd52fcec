import { Service } from 'egg';
import { ConflictError, NotFoundError } from '../../lib/errors';
import { groupFriends } from '../../lib/friends/friendGroups';
import { change, select, visible } from '../../lib/friends/sql';
import { retryOnLockConflict } from '../../lib/lockedTransaction';
import { friendItem, FriendItemRow, friendRow, pairColumns, PairRow, USER_INFO_COLUMNS, userInfo, UserInfoRow } from '../../lib/friends/views';

// My goodfriend row about :friend, the friend visible (not gone): one probe of the pair key, one of the user's primary key.
const FRIEND_JOIN = 'goodfriend g JOIN `user` u ON u.id = g.friend_id';
const MY_VISIBLE_ROW = `g.user_id = :me AND g.friend_id = :friend AND ${visible('u')}`;

/** An explicit 0/1, or null: flip the stored flag. */
type FlagValue = number | null;

const setFlag = (column: string, param: string) => `g.${column} = IF(:${param} IS NULL, g.${column} = 0, :${param})`;

export default class FriendService extends Service {
  /**
   * GET /api/chat/goodfriendlist: one page of my visible friends by friend_id, grouped by the
   * index letter of their shown name, and the number of all of them.
   */
  async list(userId: number, page: number, limit: number) {
    const { model } = this.ctx;
    const me = { me: userId };
    const listed = `${FRIEND_JOIN} WHERE g.user_id = :me AND ${visible('u')}`;
    const offset = (page - 1) * limit;
    const rows = await select<FriendItemRow>(model,
      `SELECT g.id, g.nickname AS beizhu, u.username, u.avatar, u.nickname AS friend_nickname, g.friend_id, u.uuid
       FROM ${listed} ORDER BY g.friend_id LIMIT :offset, :limit`, { ...me, offset, limit });
    // A page with room left is the last one: it tells the count (most users fit on one page).
    const count = rows.length && rows.length < limit ? offset + rows.length
      : Number((await select<{ count: number }>(model, `SELECT COUNT(*) AS count FROM ${listed}`, me))[0].count);
    return { count, rows: groupFriends(rows.map(friendItem)) };
  }

  /** GET /api/chat/getgoodfriendinfo/:id: my row about the friend, and the friend's profile. */
  async info(userId: number, friendId: number) {
    const [ row ] = await select<{ id: number; user_id: number; friend_id: number; nickname: string; username: string; avatar: string;
      friend_nickname: string; role: string; status: number } & UserInfoRow>(this.ctx.model,
      `SELECT g.id, g.user_id, g.friend_id, g.nickname, u.username, u.avatar, u.nickname AS friend_nickname, u.role, u.status, ${USER_INFO_COLUMNS}
       FROM ${FRIEND_JOIN} LEFT JOIN user_info i ON i.user_id = u.id WHERE ${MY_VISIBLE_ROW}`, { me: userId, friend: friendId });
    if (!row) throw new NotFoundError('friends.friendNotFound');
    return {
      id: row.id, user_id: row.user_id, friend_id: row.friend_id, nickname: row.nickname,
      friendinfo: {
        id: row.friend_id, username: row.username, avatar: row.avatar, nickname: row.friend_nickname, role: row.role,
        status: row.status, userinfo: userInfo(row),
      },
    };
  }

  /** POST /api/chat/ismygoodfriend/:id: my row, unless I blacklisted the friend or the friend is gone. */
  async mine(userId: number, friendId: number) {
    const [ row ] = await select<PairRow>(this.ctx.model,
      `SELECT ${pairColumns('g')} FROM ${FRIEND_JOIN} WHERE ${MY_VISIBLE_ROW} AND g.isblack = 0`, { me: userId, friend: friendId });
    if (!row) throw new NotFoundError('friends.notFriend');
    return friendRow(row);
  }

  /** POST /api/chat/setblackgoodfriend/:id: sets or flips `isblack` of my row, in one UPDATE. */
  async setBlack(userId: number, friendId: number, isblack: FlagValue): Promise<void> {
    const changed = await this.updateMine(setFlag('isblack', 'isblack'), '', { me: userId, friend: friendId, isblack });
    if (!changed && !await this.visibleRow(userId, friendId)) throw new NotFoundError('friends.friendNotFound');
  }

  /** POST /api/chat/setstargoodfriend/:id: sets or flips `ismystarfriend`, unless I blacklisted the friend. */
  async setStar(userId: number, friendId: number, ismystarfriend: FlagValue): Promise<void> {
    await this.updateUnblocked(userId, friendId, setFlag('ismystarfriend', 'ismystarfriend'), { ismystarfriend });
  }

  /** POST /api/chat/setmeOrfriendCanSee/:id: stores both visibility flags (nothing else reads them yet). */
  async setVisibility(userId: number, friendId: number, friendlookme: number, melookfriend: number): Promise<void> {
    await this.updateUnblocked(userId, friendId, 'g.friendlookme = :friendlookme, g.melookfriend = :melookfriend', { friendlookme, melookfriend });
  }

  /**
   * One atomic UPDATE of my row about a visible friend I did not blacklist. Changing nothing
   * means: no such row or a gone friend (404), I blacklisted them (409), or the same values
   * within the same millisecond (done).
   */
  private async updateUnblocked(userId: number, friendId: number, assignments: string, values: Record<string, unknown>): Promise<void> {
    const changed = await this.updateMine(assignments, 'AND g.isblack = 0', { me: userId, friend: friendId, ...values });
    if (changed) return;
    const row = await this.visibleRow(userId, friendId);
    if (!row) throw new NotFoundError('friends.friendUnavailable');
    if (row.isblack) throw new ConflictError('friends.friendUnavailable');
  }

  /**
   * The UPDATE of my row. It reads the friend's user row with a shared lock, which can deadlock
   * with a friendship transaction locking both users: retried once, then 503.
   */
  private updateMine(assignments: string, condition: string, values: Record<string, unknown>): Promise<number> {
    return retryOnLockConflict(() => change(this.ctx.model,
      `UPDATE ${FRIEND_JOIN} SET ${assignments}, g.update_time = :now WHERE ${MY_VISIBLE_ROW} ${condition}`, { ...values, now: new Date() }));
  }

  private async visibleRow(userId: number, friendId: number): Promise<{ isblack: number } | undefined> {
    const [ row ] = await select<{ isblack: number }>(this.ctx.model, `SELECT g.isblack FROM ${FRIEND_JOIN} WHERE ${MY_VISIBLE_ROW}`, { me: userId, friend: friendId });
    return row;
  }
}
