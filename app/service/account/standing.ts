import { Service } from 'egg';
import { Transaction } from 'sequelize';
import { NotFoundError, UsernameTakenError } from '../../lib/errors';
import { hashPassword } from '../../lib/account/password';
import { lockingTransaction } from '../../lib/lockedTransaction';
import { DISCONNECTS } from '../../lib/messaging/disconnects';
import { User } from '../../model/user';
import { Credentials, usernameClash } from './user';

/**
 * Runs inside the change's transaction after the change (the console's audit entry: one entry per
 * change, written with it, CONTRACT-admin §5). Null when the caller keeps no record.
 */
export type WithinChange = ((transaction: Transaction, user: User) => Promise<void>) | null;

/**
 * A user's standing and credentials changed by someone other than the user (the operator console,
 * CONTRACT-admin §4): the one write path of each fact. What the API and the sockets obey reads
 * the same columns: the auth middleware reads `status` and `is_deleted` on every request
 * (app/middleware/auth.ts), the hub's heartbeat re-reads them every WS_USER_CHECK_MS, and these
 * use cases publish the event that closes the user's sockets on every process at once.
 */
export default class AccountStandingService extends Service {
  /**
   * CONTRACT-admin §7: disabled (status 0) refuses every request (403) and closes every socket
   * with the disabled frame and 4003 within 2 s; the sessions stay, so enabling (status 1) lets
   * them work again.
   */
  async setStatus(userId: number, status: 0 | 1, within: WithinChange): Promise<User> {
    const user = await this.change(userId, { status }, within);
    if (status === 0) await this.closeSockets(userId, DISCONNECTS.disabled.code);
    return user;
  }

  /** Every session of the user ends: the fail frame, then 4001, on every process. */
  async endSessions(userId: number, within: WithinChange): Promise<User> {
    const user = await this.change(userId, {}, within);
    await this.ctx.service.session.revokeAll(userId);
    return user;
  }

  /** A new password (the API's rules, checked by the caller); every session ends. */
  async setPassword(userId: number, password: string, within: WithinChange): Promise<User> {
    const hash = await hashPassword(password, this.ctx.service.account.user.hashing());
    const user = await this.change(userId, { password: hash }, within);
    await this.ctx.service.session.revokeAll(userId);
    return user;
  }

  /**
   * Soft delete (`is_deleted` 1): gone everywhere as the contracts say (isGone,
   * app/lib/account/standing.ts), sessions ended, the row and its data kept for `restore`.
   */
  async softDelete(userId: number, within: WithinChange): Promise<User> {
    const user = await this.change(userId, { is_deleted: 1 }, within);
    await this.ctx.service.session.revokeAll(userId);
    await this.closeSockets(userId, DISCONNECTS.unauthenticated.code);
    return user;
  }

  async restore(userId: number, within: WithinChange): Promise<User> {
    return this.change(userId, { is_deleted: 0 }, within);
  }

  /** A new account with the API's rules and texts (409 for a taken name), without a session. */
  async create(credentials: Credentials, avatar: string | undefined, ip: string | null, within: WithinChange): Promise<User> {
    const { user: users } = this.ctx.service.account;
    if (await users.usernameTaken(credentials.username)) throw new UsernameTakenError();
    const hash = await hashPassword(credentials.password, users.hashing());
    return this.app.model.transaction(async transaction => {
      const user = await users.insertUser({ username: credentials.username, password: hash }, ip, transaction);
      if (avatar) await this.app.repos.users.saveUser(user, { avatar }, transaction);
      if (within) await within(transaction, user);
      return user;
    }).catch(err => { throw usernameClash(err); });
  }

  /** Locks the row, writes `changes`, runs `within`, commits; 404 for an unknown id. */
  private change(userId: number, changes: Partial<Pick<User, 'status' | 'is_deleted' | 'password'>>, within: WithinChange): Promise<User> {
    return lockingTransaction(this.app.model, async transaction => {
      const user = await this.app.repos.users.lockUser(userId, transaction);
      if (!user) throw new NotFoundError();
      if (Object.keys(changes).length) await this.app.repos.users.saveUser(user, changes, transaction);
      if (within) await within(transaction, user);
      return user;
    });
  }

  /** Every socket of the user, on every process, closes with `code` (the hub's 'user' event). */
  private async closeSockets(userId: number, code: typeof DISCONNECTS.disabled.code | typeof DISCONNECTS.unauthenticated.code) {
    await this.app.broker.publish(userId, { t: 'user', c: code });
  }
}
