import { Service } from 'egg';
import { Transaction } from 'sequelize';
import { ConflictError, NotFoundError } from '../../lib/errors';
import { FriendStanding } from '../../lib/account/standing';
import { isLockingTransaction, lockingTransaction } from '../../lib/lockedTransaction';
import { sqlTime } from '../../lib/time';

// The user rows each transaction holds locks on, with their standing (null: no such user).
const lockedIn = new WeakMap<Transaction, Map<number, FriendStanding | null>>();

export interface BefriendRequest {
  /** The user who makes it happen: agrees to an application, or adds someone. */
  userId: number;
  friendId: number;
  /** userId's remark for friendId (default ""). */
  remark?: string;
  /** friendId's remark for userId (default ""). */
  friendRemark?: string;
  /**
   * When given, userId's own application to friendId is stored as `agree` with this message:
   * created if missing, else set to agree (autoAddFriendAndAgree's request row).
   */
  applicationNote?: string;
}

export interface BefriendOptions<T> {
  /** Run in this transaction (opened with lockingTransaction()); else one is opened and committed here. */
  transaction?: Transaction;
  /** More work inside the same transaction, after the friendship is written (e.g. notices to store). */
  within?: (transaction: Transaction) => Promise<T>;
}

export interface BefriendResult<T> {
  /** goodfriend rows inserted (0 when both existed). */
  rowsCreated: number;
  /** What `within` returned. */
  result?: T;
}

/**
 * The one write path of friendships (README "Friends", Concurrency): every change to a pair's
 * goodfriend rows locks both users' `user` rows first, lower id first, so all writes to one
 * pair (and to one user's friend count) are serialised and a pair always has 0 or 2 rows.
 */
export default class FriendshipService extends Service {
  /**
   * Locks the users' rows (one locking read, ascending id) and returns the standing of those
   * that exist, by id. Rows this transaction locked already are not asked for again (befriend
   * inside applyfriend and handleapply).
   */
  async lockUsers(transaction: Transaction, ids: number[]): Promise<Map<number, FriendStanding>> {
    const held = lockedIn.get(transaction) ?? new Map<number, FriendStanding | null>();
    lockedIn.set(transaction, held);
    const sorted = [ ...new Set(ids) ].filter(id => !held.has(id)).sort((a, b) => a - b);
    if (sorted.length) {
      const rows = await this.app.repos.friends.lockStandings(sorted, transaction);
      for (const id of sorted) held.set(id, rows.find(row => row.id === id) ?? null);
    }
    return new Map(ids.filter(id => held.get(id)).map(id => [ id, held.get(id)! ]));
  }

  /**
   * Makes two users friends: locks both users, checks FRIEND_MAX for each side that gets a new
   * row (409 `好友数量已达上限` for userId, `对方好友数量已达上限` for friendId), inserts the
   * missing goodfriend rows (existing rows are left as they are), marks the pending
   * applications between them (both directions) `agree`, then runs `within`. Used by
   * handleapply (agree) and applyfriend (auto-agree); autoAddFriendAndAgree calls it with
   * `applicationNote` and stores its notices in `within` (or in its own `transaction`).
   * Checking who may befriend whom (gone users, visitors, consent) is the caller's job.
   */
  async befriend<T = void>(request: BefriendRequest, options: BefriendOptions<T> = {}): Promise<BefriendResult<T>> {
    const run = async (transaction: Transaction) => {
      await this.lockUsers(transaction, [ request.userId, request.friendId ]);
      const rowsCreated = await this.writeFriendship(transaction, request);
      return { rowsCreated, result: options.within ? await options.within(transaction) : undefined };
    };
    if (!options.transaction) return lockingTransaction(this.ctx.model, run);
    // Its reads after the locks must see the latest commits (lockedTransaction.ts).
    if (!isLockingTransaction(options.transaction)) throw new Error('befriend needs a transaction opened by lockingTransaction()');
    return run(options.transaction);
  }

  private async writeFriendship(transaction: Transaction, request: BefriendRequest): Promise<number> {
    const { userId, friendId, remark = '', friendRemark = '', applicationNote } = request;
    const { friends } = this.app.repos;
    // Per side: its friend count (one range of uk_goodfriend_pair, at most FRIEND_MAX entries) and whether its row exists.
    const counted = await friends.listPairSides(userId, friendId, transaction);
    const sides = [
      { owner: userId, friend: friendId, remark, full: 'friends.friendLimit' },
      { owner: friendId, friend: userId, remark: friendRemark, full: 'friends.friendLimitOther' },
    ].map(side => ({ ...side, ...counted.find(row => row.user_id === side.owner) }))
      .filter(side => !Number(side.has_row ?? 0));
    for (const side of sides) {
      if (Number(side.total ?? 0) >= this.config.im.friends.max) throw new ConflictError(side.full);
    }

    const now = sqlTime();
    await friends.saveFriendRows(sides, now, transaction);
    await friends.saveAgreedPending(userId, friendId, now, transaction);
    if (applicationNote !== undefined) await friends.saveAgreedApplication(userId, friendId, applicationNote, now, transaction);
    return sides.length;
  }

  /** POST /api/chat/deletegoodfriend/:id: both rows and both directions' applications, in one transaction. */
  async unfriend(userId: number, friendId: number): Promise<void> {
    const { friends } = this.app.repos;
    await lockingTransaction(this.ctx.model, async transaction => {
      await this.lockUsers(transaction, [ userId, friendId ]);
      if (!await friends.existsFriendRow(userId, friendId, transaction)) throw new NotFoundError('friends.notFriendToDelete');
      await friends.removeFriendship(userId, friendId, transaction);
    });
  }
}
