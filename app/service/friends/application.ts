import { Service } from 'egg';
import { Transaction } from 'sequelize';
import { ConflictError, NotFoundError, ValidationError } from '../../lib/errors';
import { HandleStatus } from '../../lib/friends/rules';
import { change, insert, isGone, select, visible } from '../../lib/friends/sql';
import { application, InboxRow, inboxItem, pairColumns, PairRow } from '../../lib/friends/views';
import { lockingTransaction } from '../../lib/lockedTransaction';
import { Bucket } from '../rateLimit';

/** What applyfriend reads about the pair and the caps, in one statement after both users are locked. */
interface PairState {
  /** My goodfriend row about the target exists (blacklisted or not). */
  friends: number;
  mine_status: string | null;
  mine_time: Date | null;
  theirs_status: string | null;
  /** My goodfriend rows (FRIEND_MAX counts them all). */
  my_friends: number;
  /** Pending applications to the target (FRIEND_PENDING_MAX counts them all). */
  target_pending: number;
}

// Point lookups on uk_goodfriend_pair and uk_apply_pair, one range of uk_goodfriend_pair
// (≤ FRIEND_MAX entries) and one of idx_apply_pending (≤ FRIEND_PENDING_MAX).
const PAIR_STATE = `SELECT
  EXISTS (SELECT 1 FROM goodfriend WHERE user_id = :me AND friend_id = :target) AS friends,
  (SELECT status FROM goodfriendapply WHERE user_id = :me AND friend_id = :target) AS mine_status,
  (SELECT update_time FROM goodfriendapply WHERE user_id = :me AND friend_id = :target) AS mine_time,
  (SELECT status FROM goodfriendapply WHERE user_id = :target AND friend_id = :me) AS theirs_status,
  (SELECT COUNT(*) FROM goodfriend WHERE user_id = :me) AS my_friends,
  (SELECT COUNT(*) FROM goodfriendapply WHERE friend_id = :target AND status = 'pending') AS target_pending`;

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
        const [ state ] = await select<PairState>(this.ctx.model, PAIR_STATE, { me: userId, target: targetId }, transaction);
        if (Number(state.friends)) throw new ConflictError('friends.alreadyFriends');
        if (state.theirs_status === 'pending') {
          await this.service.friends.friendship.befriend({ userId, friendId: targetId }, { transaction });
          return;
        }
        if (this.inCooldown(state)) throw new ConflictError('friends.alreadyApplied');
        const { max, pendingMax } = this.config.im.friends;
        if (Number(state.my_friends) >= max) throw new ConflictError('friends.friendLimit');
        if (Number(state.target_pending) >= pendingMax) throw new ConflictError('friends.inboxFull');
        // A retried transaction has its place in the bucket already.
        if (!taken) {
          await rateLimit.take([ bucket ]);
          taken = true;
        }
        await this.file(transaction, userId, targetId, note, state.mine_status !== null);
        created = true;
      });
    } catch (err) {
      if (taken) await rateLimit.release([[ bucket, 'refund' ]]).catch(() => undefined);
      throw err;
    }
    // A retry that ended in an auto-agree created nothing.
    if (taken && !created) await rateLimit.release([[ bucket, 'refund' ]]);
  }

  /** Pending, or refused/ignored less than FRIEND_REAPPLY_COOLDOWN ago (answered alike, so the applicant cannot tell). */
  private inCooldown({ mine_status: status, mine_time: handledAt }: PairState): boolean {
    if (status === 'pending') return true;
    if (status !== 'refuse' && status !== 'ignore') return false;
    return Date.now() - handledAt!.getTime() < this.config.im.friends.reapplyCooldown * 1000;
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
   * with the number of pending ones (from applicants who are not gone) over all pages: one
   * statement, or a second for the count past the end.
   */
  async inbox(userId: number, page: number, limit: number) {
    const { model } = this.ctx;
    const mine = { me: userId };
    const pending = `SELECT COUNT(*) AS pending FROM goodfriendapply p JOIN \`user\` pu ON pu.id = p.user_id
      WHERE p.friend_id = :me AND p.status = 'pending' AND ${visible('pu')}`;
    const rows = await select<InboxRow & { pending: number }>(model,
      `SELECT a.create_time, ${pairColumns('a')}, a.\`order\`, a.update_time, u.username, u.avatar, u.nickname AS user_nickname, u.uuid,
         (${pending}) AS pending
       FROM goodfriendapply a JOIN \`user\` u ON u.id = a.user_id
       WHERE a.friend_id = :me AND ${visible('u')}
       ORDER BY a.id DESC LIMIT :offset, :limit`, { ...mine, offset: (page - 1) * limit, limit });
    // Past the end there is no row to carry the count.
    const [{ pending: pendingCount }] = rows.length ? rows : await select<{ pending: number }>(model, pending, mine);
    const { timezone } = this.config.im.user;
    return { alldata: rows.map(row => inboxItem(row, timezone)), pendingCount: Number(pendingCount) };
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
