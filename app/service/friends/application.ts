import { Service } from 'egg';
import { Transaction } from 'sequelize';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../../lib/errors';
import { friendApplyNotice } from '../../lib/friends/notices';
import { HandleStatus } from '../../lib/friends/rules';
import { SQL } from '../../lib/friends/queries';
import { change, insert, isGone, select, Standing, utcNow } from '../../lib/friends/sql';
import { application, InboxRow, inboxItem, PairRow } from '../../lib/friends/views';
import { lockingTransaction } from '../../lib/lockedTransaction';
import { Bucket } from '../rateLimit';

/** What applyfriend reads about the pair and the caps, in one statement after both users are locked. */
interface PairState {
  /** My goodfriend row about the target exists (blacklisted or not). */
  friends: number;
  /** The target blocks me (user_block). */
  blocked: number;
  mine_status: string | null;
  mine_time: Date | null;
  theirs_status: string | null;
  /** My goodfriend rows (FRIEND_MAX counts them all). */
  my_friends: number;
  /** Pending applications to the target (FRIEND_PENDING_MAX counts them all). */
  target_pending: number;
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
   * Checks after the locks, in the documented order: 404, 409 (friends), 403 (the target
   * blocks me), the other 409s, then the rate limit (429),
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
        const [ state ] = await select<PairState>(this.ctx.model, SQL.pairState, { a: userId, b: targetId }, transaction);
        if (Number(state.friends)) throw new ConflictError('friends.alreadyFriends');
        // A block refuses every way in, the auto-agree of the target's own application included.
        if (Number(state.blocked)) throw new ForbiddenError('messaging.error.blacklisted');
        if (state.theirs_status === 'pending') {
          await this.service.friends.friendship.befriend({ userId, friendId: targetId }, { transaction });
          return;
        }
        if (this.inCooldown(state)) throw new ConflictError('friends.alreadyApplied');
        const { max, pendingMax, pendingNewMax } = this.config.im.friends;
        if (Number(state.my_friends) >= max) throw new ConflictError('friends.friendLimit');
        if (Number(state.target_pending) >= pendingMax) throw new ConflictError('friends.inboxFull');
        if (Number(state.target_pending) >= pendingNewMax && this.isNewApplicant(users.get(userId)!)) {
          const [{ pending }] = await select<{ pending: number }>(this.ctx.model, SQL.newPendingTo, { b: targetId, since: this.newSince() }, transaction);
          if (Number(pending) >= pendingNewMax) throw new ConflictError('friends.inboxFull');
        }
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
    if (created) await this.noticeToTarget(userId, targetId);
  }

  /** CONTRACT-client-behaviour §4: the target's sessions are told of the application (after the commit; a failure only loses the notice). */
  private async noticeToTarget(userId: number, targetId: number): Promise<void> {
    try {
      const attributes = [ 'id', 'username', 'nickname', 'avatar' ];
      const [ applicant, target ] = await Promise.all([ userId, targetId ].map(id =>
        this.ctx.model.User.findByPk(id, { attributes, raw: true, useMaster: true } as any)));
      if (!applicant || !target) return;
      await this.app.broker.notify(targetId, friendApplyNotice(applicant, target, this.config.im.friends.noticeAvatar));
    } catch (err) {
      this.logger.warn('[friends] application notice to user %d not sent: %s', targetId, (err as Error).message);
    }
  }

  /**
   * New applicants (README "Friends", full inboxes): visitors, and accounts younger than
   * FRIEND_NEW_ACCOUNT_AGE. Together they hold at most FRIEND_PENDING_NEW_MAX of a target's
   * pending applications, so throwaway accounts cannot fill an inbox against older ones.
   */
  private isNewApplicant(applicant: Standing): boolean {
    const age = this.config.im.friends.newAccountAge;
    return applicant.role === 'visitor' || (age > 0 && Date.now() - new Date(applicant.create_time).getTime() < age * 1000);
  }

  /** The creation time (UTC, DATETIME(3) text) after which an account is new; far future when FRIEND_NEW_ACCOUNT_AGE is 0. */
  private newSince(): string {
    const age = this.config.im.friends.newAccountAge;
    return age ? new Date(Date.now() - age * 1000).toISOString().slice(0, 23).replace('T', ' ') : '9999-12-31 23:59:59.999';
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
    const pair = { a: userId, b: targetId };
    if (replacing) await change(model, SQL.deleteApplication, pair, transaction);
    await insert(model, SQL.insertApplication, { ...pair, note, now: utcNow() }, transaction);
  }

  /**
   * GET /api/chat/listapplyfriend: applications to me, newest first, gone applicants left out,
   * with the number of pending ones (from applicants who are not gone) over all pages: one
   * statement, or a second for the count past the end.
   */
  async inbox(userId: number, page: number, limit: number) {
    const { model } = this.ctx;
    const rows = await select<InboxRow & { pending: number }>(model, SQL.inboxPage, { me: userId, offset: (page - 1) * limit, limit });
    // Past the end there is no row to carry the count.
    const [{ pending }] = rows.length ? rows : await select<{ pending: number }>(model, SQL.pendingToMe, { me: userId });
    const { timezone } = this.config.im.user;
    return { alldata: rows.map(row => inboxItem(row, timezone)), pendingCount: Number(pending) };
  }

  /**
   * POST /api/chat/handleapply/:id. 404 when the id is unknown, not addressed to me or its
   * applicant is gone; 409 when it is no longer pending (also for the loser of two at once).
   */
  async handle(userId: number, applicationId: number, status: HandleStatus, remark: string): Promise<void> {
    const { model } = this.ctx;
    const notFound = new NotFoundError('friends.applicationNotFound');
    const [ found ] = await select<{ user_id: number }>(model, SQL.applicationToMe, { id: applicationId, me: userId });
    if (!found) throw notFound;
    const applicantId = found.user_id;
    await lockingTransaction(model, async transaction => {
      const users = await this.service.friends.friendship.lockUsers(transaction, [ userId, applicantId ]);
      const applicant = users.get(applicantId);
      if (!applicant || isGone(applicant)) throw notFound;
      // Read again under the locks: a re-application replaces the row (new id).
      const [ current ] = await select<{ status: string }>(model, SQL.applicationStatus, { id: applicationId }, transaction);
      if (!current) throw notFound;
      if (current.status !== 'pending') throw new ConflictError('friends.applicationNotFound');
      if (status === 'agree') {
        // CONTRACT-client-behaviour §4: the pair of notices of autoAddFriendAndAgree, same write path.
        await this.service.friends.friendship.befriend({ userId, friendId: applicantId, remark }, {
          transaction, within: () => this.service.messaging.chat.storeNowFriends(transaction, userId, applicantId),
        });
      } else {
        await change(model, SQL.setApplicationStatus, { status, now: utcNow(), id: applicationId }, transaction);
      }
    });
  }

  /** POST /api/chat/isApplyfriend/:uuid: the pending application from the user `uuid` to me. */
  async pendingFrom(userId: number, uuid: string) {
    const [ row ] = await select<PairRow & { applicant_status: number; applicant_deleted: number }>(this.ctx.model, SQL.pendingFrom,
      { me: userId, uuid: uuid.toLowerCase() });
    if (!row || isGone({ status: row.applicant_status, is_deleted: row.applicant_deleted })) throw new NotFoundError('friends.userNotFound');
    if (row.id === null) throw new NotFoundError('friends.noApplication');
    return application(row);
  }
}
