import { Service } from 'egg';
import { ConflictError, NotFoundError } from '../../lib/errors';
import { groupFriends } from '../../lib/friends/friendGroups';
import { pageKey, PageCache } from '../../lib/friends/pageCache';
import { okBody } from '../../lib/envelope';
import { friendItem, friendRow, userInfo } from '../../lib/friends/views';
import { retryOnLockConflict } from '../../lib/dependencyErrors';
import type { FlagValue } from '../../repository/friends';

// The serialized pages of this process, each with the version of the list it was built from.
const pages = new PageCache();

export default class FriendService extends Service {
  /**
   * GET /api/chat/goodfriendlist, the whole answer's bytes (okBody): the page built from the
   * list's current version, else built now (see build) and kept with that version. The version
   * is read first, so a page kept under it holds every change the version names (or later ones).
   */
  async listJson(userId: number, page: number, limit: number): Promise<Buffer> {
    const version = await this.app.repos.friends.findListVersion(userId);
    return pages.through(pageKey(userId, page, limit), version, async () => okBody(JSON.stringify(await this.list(userId, page, limit))));
  }

  /**
   * One page of my visible friends by friend_id, grouped by the index letter of their shown
   * name, and the number of all of them: what goodfriendlist answers, built from the tables.
   */
  async list(userId: number, page: number, limit: number) {
    const { friends } = this.app.repos;
    const offset = (page - 1) * limit;
    const rows = await friends.listFriends(userId, offset, limit);
    // A page with room left is the last one: it tells the count (most users fit on one page).
    const count = rows.length && rows.length < limit ? offset + rows.length : await friends.countFriends(userId);
    return { count, rows: groupFriends(rows.map(friendItem)) };
  }

  /** GET /api/chat/getgoodfriendinfo/:id: my row about the friend, and the friend's profile. */
  async info(userId: number, friendId: number) {
    const row = await this.app.repos.friends.findFriendInfo(userId, friendId);
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
    const row = await this.app.repos.friends.findFriendRow(userId, friendId);
    if (!row) throw new NotFoundError('friends.notFriend');
    return friendRow(row);
  }

  /** POST /api/chat/setstargoodfriend/:id: sets or flips `ismystarfriend`, unless I blacklisted the friend. */
  async setStar(userId: number, friendId: number, ismystarfriend: FlagValue): Promise<void> {
    await this.updateUnblocked(userId, friendId, () => this.app.repos.friends.saveStar(userId, friendId, ismystarfriend));
  }

  /** POST /api/chat/setmeOrfriendCanSee/:id: stores both visibility flags (nothing else reads them yet). */
  async setVisibility(userId: number, friendId: number, friendlookme: number, melookfriend: number): Promise<void> {
    await this.updateUnblocked(userId, friendId, () => this.app.repos.friends.saveVisibility(userId, friendId, friendlookme, melookfriend));
  }

  /**
   * One atomic update of my row about a visible friend I did not blacklist. Changing nothing
   * means: no such row or a gone friend (404), I blacklisted them (409), or the same values
   * within the same millisecond (done).
   */
  private async updateUnblocked(userId: number, friendId: number, update: () => Promise<number>): Promise<void> {
    // The update reads the friend's user row with a shared lock, which can deadlock with a
    // friendship transaction locking both users: retried once, then 503.
    if (await retryOnLockConflict(update)) return;
    const isblack = await this.app.repos.friends.findRowBlack(userId, friendId);
    if (isblack === null) throw new NotFoundError('friends.friendUnavailable');
    if (isblack) throw new ConflictError('friends.friendUnavailable');
  }
}
