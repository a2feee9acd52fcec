import { Service } from 'egg';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../../lib/errors';
import { isGone } from '../../lib/account/standing';
import { lockingTransaction } from '../../lib/lockedTransaction';

export { NOW_FRIENDS } from '../../lib/friends/notices';

export default class ContactsService extends Service {
  /**
   * POST /api/chat/autoAddFriendAndAgree: befriends a user who lets anyone add them
   * (`invite_confirm` 0) straight from the chat page. One transaction: both users' rows locked
   * (the friends write path), my application stored as `agree`, both friendship rows, and one
   * systemNotice each way; the notices are delivered after the commit. Checks in the order
   * 422, 404, 409, 403 (the target blocks me, then consent), under the locks.
   */
  async autoAddFriendAndAgree(userId: number, friendId: number, note: string): Promise<void> {
    if (friendId === userId) throw new ValidationError('friends.selfApply');
    const { friendship } = this.service.friends;
    const { chat } = this.service.messaging;
    await lockingTransaction(this.ctx.model, async transaction => {
      const users = await friendship.lockUsers(transaction, [ userId, friendId ]);
      const target = users.get(friendId);
      if (!target || isGone(target) || target.role === 'visitor') throw new NotFoundError('friends.targetNotFound');
      if (await this.app.repos.friends.existsFriendRow(userId, friendId, transaction)) throw new ConflictError('friends.alreadyFriends');
      if (await this.service.friends.block.isBlockedBy(friendId, userId, transaction)) throw new ForbiddenError('messaging.error.blacklisted');
      if (target.invite_confirm !== 0) throw new ForbiddenError('messaging.error.consentNeeded');
      await friendship.befriend({ userId, friendId, applicationNote: note }, {
        transaction,
        within: () => chat.storeNowFriends(transaction, userId, friendId),
      });
    });
  }
}
