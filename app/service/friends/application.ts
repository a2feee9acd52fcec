import { Service } from 'egg';
import { Transaction } from 'sequelize';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../../lib/errors';
import { friendApplyNotice } from '../../lib/friends/notices';
import { HandleStatus } from '../../lib/friends/rules';
import { FriendStanding, isGone } from '../../lib/account/standing';
import { application, inboxItem } from '../../lib/friends/views';
import { pageKey, PageCache } from '../../lib/friends/pageCache';
import { okBody } from '../../lib/envelope';
import { lockingTransaction } from '../../lib/lockedTransaction';
import { sqlTime } from '../../lib/time';
import type { ApplyState } from '../../repository/friends';
import { Bucket } from '../rateLimit';

// listapplyfriend's serialized pages in this process, each with the version of the inbox it was
// built from (a page of 10 items is about 4.5 KB: 8 MB keeps the first pages of some 1,800 inboxes).
const inboxPages = new PageCache(8 * 1024 * 1024);

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
        const state = await this.app.repos.friends.findApplyState(userId, targetId, transaction);
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
          const pending = await this.app.repos.friends.countNewPendingTo(targetId, this.newSince(), transaction);
          if (pending >= pendingNewMax) throw new ConflictError('friends.inboxFull');
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
      const cards = await this.app.repos.friends.listCards([ userId, targetId ]);
      const applicant = cards.find(card => card.id === userId);
      const target = cards.find(card => card.id === targetId);
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
  private isNewApplicant(applicant: FriendStanding): boolean {
    const age = this.config.im.friends.newAccountAge;
    return applicant.role === 'visitor' || (age > 0 && Date.now() - new Date(applicant.create_time).getTime() < age * 1000);
  }

  /** The creation time (UTC, DATETIME(3) text) after which an account is new; far future when FRIEND_NEW_ACCOUNT_AGE is 0. */
  private newSince(): string {
    const age = this.config.im.friends.newAccountAge;
    return age ? sqlTime(new Date(Date.now() - age * 1000)) : '9999-12-31 23:59:59.999';
  }

  /** Pending, or refused/ignored less than FRIEND_REAPPLY_COOLDOWN ago (answered alike, so the applicant cannot tell). */
  private inCooldown({ mine_status: status, mine_time: handledAt }: ApplyState): boolean {
    if (status === 'pending') return true;
    if (status !== 'refuse' && status !== 'ignore') return false;
    return Date.now() - handledAt!.getTime() < this.config.im.friends.reapplyCooldown * 1000;
  }

  /** A new pending row; a previous one is deleted first, so the new id tops the target's inbox. */
  private async file(transaction: Transaction, userId: number, targetId: number, note: string, replacing: boolean): Promise<void> {
    const { friends } = this.app.repos;
    if (replacing) await friends.removeApplication(userId, targetId, transaction);
    await friends.saveApplication(userId, targetId, note, transaction);
  }

  /**
   * GET /api/chat/listapplyfriend, the whole answer's bytes (okBody): the page built from my
   * inbox's current version (apply_inbox_version), else built now (see inbox) and kept with that
   * version. The version is read first, so a page kept under it holds every change the version
   * names (or later ones); a change is seen on the next request.
   */
  async inboxJson(userId: number, page: number, limit: number): Promise<Buffer> {
    const version = await this.app.repos.friends.findInboxVersion(userId);
    return inboxPages.through(pageKey(userId, page, limit), version, async () => okBody(JSON.stringify(await this.inbox(userId, page, limit))));
  }

  /**
   * GET /api/chat/listapplyfriend: applications to me, newest first, gone applicants left out,
   * with the number of pending ones (from applicants who are not gone) over all pages: one
   * statement, or a second for the count past the end.
   */
  async inbox(userId: number, page: number, limit: number) {
    const { friends } = this.app.repos;
    const rows = await friends.listInbox(userId, (page - 1) * limit, limit);
    // Past the end there is no row to carry the count.
    const pending = rows.length ? Number(rows[0].pending) : await friends.countPendingTo(userId);
    const { timezone } = this.config.im.user;
    return { alldata: rows.map(row => inboxItem(row, timezone)), pendingCount: pending };
  }

  /**
   * POST /api/chat/handleapply/:id. 404 when the id is unknown, not addressed to me or its
   * applicant is gone; 409 when it is no longer pending (also for the loser of two at once).
   */
  async handle(userId: number, applicationId: number, status: HandleStatus, remark: string): Promise<void> {
    const { friends } = this.app.repos;
    const notFound = new NotFoundError('friends.applicationNotFound');
    const applicantId = await friends.findApplicantOf(applicationId, userId);
    if (applicantId === null) throw notFound;
    await lockingTransaction(this.ctx.model, async transaction => {
      const users = await this.service.friends.friendship.lockUsers(transaction, [ userId, applicantId ]);
      const applicant = users.get(applicantId);
      if (!applicant || isGone(applicant)) throw notFound;
      // Read again under the locks: a re-application replaces the row (new id).
      const current = await friends.findApplicationStatus(applicationId, transaction);
      if (current === null) throw notFound;
      if (current !== 'pending') throw new ConflictError('friends.applicationNotFound');
      if (status === 'agree') {
        // CONTRACT-client-behaviour §4: the pair of notices of autoAddFriendAndAgree, same write path.
        await this.service.friends.friendship.befriend({ userId, friendId: applicantId, remark }, {
          transaction, within: () => this.service.messaging.chat.storeNowFriends(transaction, userId, applicantId),
        });
      } else {
        await friends.saveApplicationStatus(applicationId, status, transaction);
      }
    });
  }

  /** POST /api/chat/isApplyfriend/:uuid: the pending application from the user `uuid` to me. */
  async pendingFrom(userId: number, uuid: string) {
    const row = await this.app.repos.friends.findPendingFrom(userId, uuid.toLowerCase());
    if (!row || isGone({ status: row.applicant_status, is_deleted: row.applicant_deleted })) throw new NotFoundError('friends.userNotFound');
    if (row.id === null) throw new NotFoundError('friends.noApplication');
    return application(row);
  }
}
