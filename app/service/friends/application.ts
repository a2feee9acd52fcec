import { Service } from 'egg';
import { Transaction } from 'sequelize';
import { ConflictError, NotFoundError, ValidationError } from '../../lib/errors';
import { HandleStatus } from '../../lib/friends/rules';
import { change, insert, isGone, select, visible } from '../../lib/friends/sql';
import { application, InboxRow, inboxItem, pairColumns, PairRow } from '../../lib/friends/views';
import { lockingTransaction } from '../../lib/lockedTransaction';
import { Bucket } from '../rateLimit';

/** What applyfriend finds about the pair, read after both users are locked. */
interface PairState {
  /** My goodfriend row about the target exists (blacklisted or not). */
  friends: boolean;
  mine?: { status: string; update_time: Date };
  theirs?: { status: string };
}

export default class ApplicationService extends Service {
  /** FRIEND_APPLY_LIMIT applications created per FRIEND_APPLY_WINDOW, per applicant. */
  private applyBucket(userId: number): Bucket {
    const { applyLimit, applyWindow } = this.config.im.friends;
    return { key: `${this.config.im.rateLimit.keyPrefix}{user:${userId}}:friend-apply`, limit: applyLimit, windowSeconds: applyWindow };
  }

  /**
   * POST /api/chat/applyfriend. Agrees to the target's pending application to me if there is
   * one (both remarks ""), else files my application (replacing a refused/ignored/agreed one).
   * Checks after the locks, in the documented order: 404, 409s, then the rate limit (429),
   * which counts only applications actually created.
   */
  async apply(userId: number, targetId: number, note: string): Promise<void> {
    if (targetId === userId) throw new ValidationError('friends.selfApply');
    const { rateLimit } = this.ctx.service;
    const bucket = this.applyBucket(userId);
    let taken = false;
    let created = false;
    try {
      await lockingTransaction(this.ctx.model, async transaction => {
        created = false;
        const users = await this.service.friends.friendship.lockUsers(transaction, [ userId, targetId ]);
        const target = users.get(targetId);
        if (!target || isGone(target) || target.role === 'visitor') throw new NotFoundError('friends.targetNotFound');
        const state = await this.pairState(transaction, userId, targetId);
        if (state.friends) throw new ConflictError('friends.alreadyFriends');
        if (state.theirs?.status === 'pending') {
          await this.service.friends.friendship.befriend({ userId, friendId: targetId }, { transaction });
          return;
        }
        if (this.inCooldown(state.mine)) throw new ConflictError('friends.alreadyApplied');
        await this.checkRoom(transaction, userId, targetId);
        // A retried transaction has its place in the bucket already.
        if (!taken) {
          await rateLimit.take([ bucket ]);
          taken = true;
        }
        await this.file(transaction, userId, targetId, note, Boolean(state.mine));
        created = true;
      });
    } catch (err) {
      if (taken) await rateLimit.release([[ bucket, 'refund' ]]).catch(() => undefined);
      throw err;
    }
    // A retry that ended in an auto-agree created nothing.
    if (taken && !created) await rateLimit.release([[ bucket, 'refund' ]]);
  }

  private async pairState(transaction: Transaction, userId: number, targetId: number): Promise<PairState> {
    const rows = await select<{ kind: 'friends' | 'mine' | 'theirs'; status: string | null; update_time: Date | null }>(this.ctx.model,
      `SELECT 'friends' AS kind, NULL AS status, NULL AS update_time FROM goodfriend WHERE user_id = :me AND friend_id = :target
       UNION ALL SELECT 'mine', status, update_time FROM goodfriendapply WHERE user_id = :me AND friend_id = :target
       UNION ALL SELECT 'theirs', status, update_time FROM goodfriendapply WHERE user_id = :target AND friend_id = :me`,
      { me: userId, target: targetId }, transaction);
    const state: PairState = { friends: false };
    for (const row of rows) {
      if (row.kind === 'friends') state.friends = true;
      else if (row.kind === 'mine') state.mine = { status: row.status!, update_time: row.update_time! };
      else state.theirs = { status: row.status! };
    }
    return state;
  }

  /** Pending, or refused/ignored less than FRIEND_REAPPLY_COOLDOWN ago (answered alike, so the applicant cannot tell). */
  private inCooldown(mine: PairState['mine']): boolean {
    if (!mine) return false;
    if (mine.status === 'pending') return true;
    if (mine.status !== 'refuse' && mine.status !== 'ignore') return false;
    const cooldownMs = this.config.im.friends.reapplyCooldown * 1000;
    return Date.now() - mine.update_time.getTime() < cooldownMs;
  }

  /** FRIEND_MAX of the applicant (every row counts) and FRIEND_PENDING_MAX of the target (every pending row). */
  private async checkRoom(transaction: Transaction, userId: number, targetId: number): Promise<void> {
    const { max, pendingMax } = this.config.im.friends;
    const [ counts ] = await select<{ friends: number; pending: number }>(this.ctx.model,
      `SELECT (SELECT COUNT(*) FROM goodfriend WHERE user_id = :me) AS friends,
        (SELECT COUNT(*) FROM goodfriendapply WHERE friend_id = :target AND status = 'pending') AS pending`,
      { me: userId, target: targetId }, transaction);
    if (Number(counts.friends) >= max) throw new ConflictError('friends.friendLimit');
    if (Number(counts.pending) >= pendingMax) throw new ConflictError('friends.inboxFull');
  }

  /** A new pending row; a previous one is deleted first, so the new id tops the target's inbox. */
  private async file(transaction: Transaction, userId: number, targetId: number, note: string, replacing: boolean): Promise<void> {
    const { model } = this.ctx;
    const pair = { me: userId, target: targetId };
    if (replacing) await change(model, 'DELETE FROM goodfriendapply WHERE user_id = :me AND friend_id = :target', pair, transaction);
    const now = new Date();
    await insert(model, `INSERT INTO goodfriendapply (user_id, friend_id, nickname, status, create_time, update_time)
      VALUES (:me, :target, :note, 'pending', :now, :now)`, { ...pair, note, now }, transaction);
  }

  /**
   * GET /api/chat/listapplyfriend: applications to me, newest first, gone applicants left out,
   * with the number of pending ones (from applicants who are not gone) over all pages.
   */
  async inbox(userId: number, page: number, limit: number) {
    const { model } = this.ctx;
    const me = { me: userId };
    const [ rows, [ counted ]] = await Promise.all([
      select<InboxRow>(model,
        `SELECT a.create_time, ${pairColumns('a')}, a.\`order\`, a.update_time, u.username, u.avatar, u.nickname AS user_nickname, u.uuid
         FROM goodfriendapply a JOIN \`user\` u ON u.id = a.user_id
         WHERE a.friend_id = :me AND ${visible('u')}
         ORDER BY a.id DESC LIMIT :offset, :limit`, { ...me, offset: (page - 1) * limit, limit }),
      select<{ pending: number }>(model,
        `SELECT COUNT(*) AS pending FROM goodfriendapply a JOIN \`user\` u ON u.id = a.user_id
         WHERE a.friend_id = :me AND a.status = 'pending' AND ${visible('u')}`, me),
    ]);
    const { timezone } = this.config.im.user;
    return { alldata: rows.map(row => inboxItem(row, timezone)), pendingCount: Number(counted.pending) };
  }

  /**
   * POST /api/chat/handleapply/:id. 404 when the id is unknown, not addressed to me or its
   * applicant is gone; 409 when it is no longer pending (also for the loser of two at once).
   */
  async handle(userId: number, applicationId: number, status: HandleStatus, remark: string): Promise<void> {
    const { model } = this.ctx;
    const notFound = new NotFoundError('friends.applicationNotFound');
    const [ found ] = await select<{ user_id: number }>(model,
      'SELECT user_id FROM goodfriendapply WHERE id = :id AND friend_id = :me', { id: applicationId, me: userId });
    if (!found) throw notFound;
    const applicantId = found.user_id;
    await lockingTransaction(model, async transaction => {
      const users = await this.service.friends.friendship.lockUsers(transaction, [ userId, applicantId ]);
      const applicant = users.get(applicantId);
      if (!applicant || isGone(applicant)) throw notFound;
      // Read again under the locks: a re-application replaces the row (new id).
      const [ current ] = await select<{ status: string }>(model,
        'SELECT status FROM goodfriendapply WHERE id = :id', { id: applicationId }, transaction);
      if (!current) throw notFound;
      if (current.status !== 'pending') throw new ConflictError('friends.applicationNotFound');
      if (status === 'agree') {
        await this.service.friends.friendship.befriend({ userId, friendId: applicantId, remark }, { transaction });
      } else {
        await change(model, 'UPDATE goodfriendapply SET status = :status, update_time = :now WHERE id = :id',
          { status, now: new Date(), id: applicationId }, transaction);
      }
    });
  }

  /** POST /api/chat/isApplyfriend/:uuid: the pending application from the user `uuid` to me. */
  async pendingFrom(userId: number, uuid: string) {
    const [ row ] = await select<PairRow & { applicant: number; applicant_status: number; applicant_deleted: number }>(this.ctx.model,
      `SELECT u.id AS applicant, u.status AS applicant_status, u.is_deleted AS applicant_deleted, ${pairColumns('a')}
       FROM \`user\` u LEFT JOIN goodfriendapply a ON a.user_id = u.id AND a.friend_id = :me AND a.status = 'pending'
       WHERE u.uuid = :uuid`, { me: userId, uuid: uuid.toLowerCase() });
    if (!row || isGone({ status: row.applicant_status, is_deleted: row.applicant_deleted })) throw new NotFoundError('friends.userNotFound');
    if (row.id === null) throw new NotFoundError('friends.noApplication');
    return application(row);
  }
}
