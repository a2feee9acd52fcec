import { Service } from 'egg';
import { Transaction } from 'sequelize';
import { NotFoundError } from '../../lib/errors';
import { isGone } from '../../lib/account/standing';
import { lockingTransaction } from '../../lib/lockedTransaction';

/**
 * Blocks (README "Friends", blacklist). A block is the blocker's, not the friendship's: a
 * `user_block` row that outlives deleting the friendship (by either side) and that only the
 * blocker can remove. While B blocks A, A's messages, applications and auto-adds to B are
 * refused (403 `对方把你拉黑了，不能发送消息`); befriending again does not lift it. B's goodfriend
 * row about A, when there is one, carries `isblack` in step with the block (the response
 * shapes show it); set() is the one write path of both.
 */
export default class BlockService extends Service {
  /**
   * Whether `blocker` blocks `target`: the read every domain uses before letting `target`
   * reach `blocker` (messages, applications, auto-adds, group invites). One primary-key probe;
   * pass the transaction that holds the users' locks to read a decision that cannot change
   * before the commit.
   */
  isBlockedBy(blocker: number, target: number, transaction?: Transaction): Promise<boolean> {
    return this.app.repos.friends.existsBlock(blocker, target, transaction);
  }

  /**
   * POST /api/chat/setblackgoodfriend/:id: `isblack` 1 blocks, 0 lifts, null flips. Works
   * with or without a friendship: blocking a stranger is allowed. 404 `好友不存在` for myself,
   * and for a missing or gone target unless an existing block is being lifted (a blocker can
   * always lift their own block). Runs under both users' locks (the friendship write path's),
   * so two flips at once cancel out and a befriend at the same moment reads the outcome.
   */
  async set(blocker: number, target: number, isblack: number | null): Promise<void> {
    if (blocker === target) throw new NotFoundError('friends.friendNotFound');
    const { friends } = this.app.repos;
    await lockingTransaction(this.ctx.model, async transaction => {
      const users = await this.service.friends.friendship.lockUsers(transaction, [ blocker, target ]);
      const blocked = await this.isBlockedBy(blocker, target, transaction);
      const wanted = isblack === null ? !blocked : isblack === 1;
      const user = users.get(target);
      const lifting = blocked && !wanted;
      if (!lifting && (!user || isGone(user))) throw new NotFoundError('friends.friendNotFound');
      if (wanted && !blocked) await friends.saveBlock(blocker, target, transaction);
      if (!wanted && blocked) await friends.removeBlock(blocker, target, transaction);
      // Blocking withdraws my pending application to them: they cannot befriend me by agreeing to it.
      if (wanted) await friends.removePendingApplication(blocker, target, transaction);
      await friends.saveRowBlack(blocker, target, wanted ? 1 : 0, transaction);
    });
  }
}
