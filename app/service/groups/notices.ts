import { Service } from 'egg';
import { Transaction } from 'sequelize';
import { joinKey, JOIN_SENDER_NAME, NoticeSender } from '../../lib/groups/notices';
import { avatarInGroup, GroupRow, nameInGroup } from '../../lib/groups/views';
import type { GroupIdentity } from '../../repository/groups';

/**
 * The notices of the groups routes (CONTRACT-groups §A "Notices"): who they are from, and the two
 * ways they go. Stored ones (create, rename, notice, joined, transfer) through the group message
 * write path, inside the caller's transaction; unstored ones (pending, dismiss, quit, remove)
 * through the broker after the commit.
 */
export default class GroupNoticeService extends Service {
  /** X as the group shows them: name and avatar in the group. */
  author(user: GroupIdentity): NoticeSender & { id: number } {
    return { id: user.id, name: nameInGroup(user), avatar: avatarInGroup(user) };
  }

  /** J: the join notices' system sender (`from_id` names the group, the newcomer and the time). */
  joinSender(groupId: number, userId: number, now = Date.now()): NoticeSender & { id: string } {
    return { id: joinKey(groupId, userId, now), name: JOIN_SENDER_NAME, avatar: this.config.im.groups.noticeAvatar };
  }

  /**
   * Sends one unstored notice to every listed user (every session, offline ones on connect),
   * in one pipelined round trip. After the commit of what it tells; a failure only loses the
   * notice, so it is logged, not thrown.
   */
  async send(uids: number[], data: unknown): Promise<void> {
    try {
      await this.app.broker.notifyMany([ ...new Set(uids) ], data);
    } catch (err) {
      this.logger.warn('[groups] notice to %d users not sent: %s', uids.length, (err as Error).message);
    }
  }

  /**
   * Stores a group notice (seq in the group's conversation) for every current member, inside the
   * transaction that holds the group row's lock and made the change; delivered after the commit.
   * `group` is the row after the action. The group message write path (messages.ts).
   */
  async store(transaction: Transaction, group: GroupRow, from: NoticeSender, text: string): Promise<void> {
    await this.service.groups.messages.storeNotice(transaction, group, from, text);
  }

  /** What a newcomer's join_seq must be: the group's last seq, read under the conversation's lock. */
  joinSeq(groupId: number, transaction: Transaction): Promise<number> {
    return this.service.groups.messages.joinSeq(groupId, transaction);
  }
}
