import { Service } from 'egg';
import { ConflictError, NotFoundError } from '../../lib/errors';
import { groupFriends } from '../../lib/friends/friendGroups';
import { SQL } from '../../lib/friends/queries';
import { change, select, utcNow } from '../../lib/friends/sql';
import { friendItem, FriendItemRow, friendRow, PairRow, userInfo, UserInfoRow } from '../../lib/friends/views';
import { retryOnLockConflict } from '../../lib/dependencyErrors';

/** An explicit 0/1, or null: flip the stored flag. */
type FlagValue = number | null;

type InfoRow = Pick<PairRow, 'id' | 'user_id' | 'friend_id' | 'nickname'> & UserInfoRow &
{ username: string; avatar: string; friend_nickname: string; role: string; status: number };

export default class FriendService extends Service {
  /**
   * GET /api/chat/goodfriendlist: one page of my visible friends by friend_id, grouped by the
   * index letter of their shown name, and the number of all of them.
   */
  async list(userId: number, page: number, limit: number) {
    const { model } = this.ctx;
    const offset = (page - 1) * limit;
    const rows = await select<FriendItemRow>(model, SQL.friendPage, { me: userId, offset, limit });
    // A page with room left is the last one: it tells the count (most users fit on one page).
    const count = rows.length && rows.length < limit ? offset + rows.length
      : Number((await select<{ count: number }>(model, SQL.friendCount, { me: userId }))[0].count);
    return { count, rows: groupFriends(rows.map(friendItem)) };
  }

  /** GET /api/chat/getgoodfriendinfo/:id: my row about the friend, and the friend's profile. */
  async info(userId: number, friendId: number) {
    const [ row ] = await select<InfoRow>(this.ctx.model, SQL.friendInfo, { me: userId, friend: friendId });
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
    const [ row ] = await select<PairRow>(this.ctx.model, SQL.myFriendRow, { me: userId, friend: friendId });
    if (!row) throw new NotFoundError('friends.notFriend');
    return friendRow(row);
  }

  /** POST /api/chat/setstargoodfriend/:id: sets or flips `ismystarfriend`, unless I blacklisted the friend. */
  async setStar(userId: number, friendId: number, ismystarfriend: FlagValue): Promise<void> {
    await this.updateUnblocked(SQL.setStar, userId, friendId, { ismystarfriend });
  }

  /** POST /api/chat/setmeOrfriendCanSee/:id: stores both visibility flags (nothing else reads them yet). */
  async setVisibility(userId: number, friendId: number, friendlookme: number, melookfriend: number): Promise<void> {
    await this.updateUnblocked(SQL.setVisibility, userId, friendId, { friendlookme, melookfriend });
  }

  /**
   * One atomic UPDATE of my row about a visible friend I did not blacklist. Changing nothing
   * means: no such row or a gone friend (404), I blacklisted them (409), or the same values
   * within the same millisecond (done).
   */
  private async updateUnblocked(sql: string, userId: number, friendId: number, values: Record<string, unknown>): Promise<void> {
    if (await this.updateMine(sql, { me: userId, friend: friendId, ...values })) return;
    const row = await this.visibleRow(userId, friendId);
    if (!row) throw new NotFoundError('friends.friendUnavailable');
    if (row.isblack) throw new ConflictError('friends.friendUnavailable');
  }

  /**
   * The UPDATE of my row. It reads the friend's user row with a shared lock, which can deadlock
   * with a friendship transaction locking both users: retried once, then 503.
   */
  private updateMine(sql: string, values: Record<string, unknown>): Promise<number> {
    return retryOnLockConflict(() => change(this.ctx.model, sql, { ...values, now: utcNow() }));
  }

  private async visibleRow(userId: number, friendId: number): Promise<{ isblack: number } | undefined> {
    const [ row ] = await select<{ isblack: number }>(this.ctx.model, SQL.myRowBlack, { me: userId, friend: friendId });
    return row;
  }
}
