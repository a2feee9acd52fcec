import { Service } from 'egg';
import { Transaction, UniqueConstraintError } from 'sequelize';
import { NO_PASSWORD, hashPassword } from '../../lib/account/password';
import { isDeadlock } from '../../lib/dependencyErrors';
import { DeviceUserObject, deviceUserObject } from '../../lib/account/userView';
import { AccountDisabledError, UsernameTakenError } from '../../lib/errors';
import { VISITOR_ROLE, preferredVisitorName, randomVisitorName } from '../../lib/visitors/names';
import { DeviceStats, VisitorCredentialInput, VisitorRegisterInput, statsOf } from '../../lib/visitors/rules';
import { User } from '../../model/user';
import { SignedIn, usernameClash } from '../account/user';

// The visitor routes lock a device's binding, then its user; READ COMMITTED takes no gap locks,
// so parallel first calls of one device wait on each other's rows instead of deadlocking.
const LOCKING = { isolationLevel: Transaction.ISOLATION_LEVELS.READ_COMMITTED };

/** Visitor mode (README "Visitor mode"); every route has passed AdmissionService.admit. */
export default class VisitorService extends Service {
  /**
   * CONTRACT: POST /api/visitorRegister. The device's visitor enters again, or a new visitor is
   * created and bound to the device. A round that loses the race to a parallel first call of the
   * same device enters the winner's visitor in the next round. CONTRACT-client-behaviour §3: only
   * a call that creates a visitor counts toward the device's budget (re-entries do not).
   */
  async arrive(input: VisitorRegisterInput, ip: string | null): Promise<DeviceUserObject> {
    const { rateLimit, visitors } = this.ctx.service;
    const stats = statsOf(input);
    let counted = false;
    for (let round = 0; round < 3; round++) {
      const entered = await this.enterBound(input.deviceId, stats, ip);
      if (entered) return this.answer(entered);
      if (!counted) await visitors.admission.countCall(input);
      counted = true;
      const bucket = rateLimit.newVisitorBucket(ip);
      await rateLimit.take([ bucket ]);
      let created: SignedIn | null = null;
      try {
        created = await this.createVisitor(input.deviceId, stats, ip);
      } finally {
        // Only a visitor really created counts against the IP.
        if (!created) await rateLimit.release([[ bucket, 'refund' ]]).catch(() => undefined);
      }
      if (created) return this.answer(created);
    }
    throw new Error('the binding of a device kept changing');
  }

  /**
   * CONTRACT: POST /api/visitorregChat. The device's visitor becomes a user in place (same id,
   * uuid, profile, friends, messages, uploads); without one, a new user of this device.
   */
  async register(input: VisitorCredentialInput, ip: string | null): Promise<DeviceUserObject> {
    const { user } = this.ctx.service.account;
    const signedIn = await user.limitRegistration(ip, async () =>
      (await this.upgradeBound(input)) ?? user.createWithSession(input, ip, { devicefingeruuid: input.deviceId }));
    return this.answer(signedIn);
  }

  /** CONTRACT: POST /api/visitorloginChat: loginChat's rules and limits; the device's visitor stays as it is. */
  async login(input: VisitorCredentialInput, ip: string | null): Promise<DeviceUserObject> {
    return this.answer(await this.ctx.service.account.user.authenticate(input, ip));
  }

  private answer({ user, token }: SignedIn): DeviceUserObject {
    return deviceUserObject(user, token, this.config.im.user.timezone);
  }

  /** The device's live visitor with a new session and its statistics refreshed, or null. */
  private enterBound(deviceId: string, stats: DeviceStats, ip: string | null): Promise<SignedIn | null> {
    const { service } = this.ctx;
    const { users, visitors } = this.app.repos;
    return service.account.user.withSession(async (transaction, openSession) => {
      const visitor = await this.lockBoundVisitor(deviceId, transaction);
      if (!visitor) return null;
      if (visitor.status !== 1) throw new AccountDisabledError();
      const now = new Date();
      await users.saveUser(visitor, { ...stats, last_login: now, last_login_ip: ip }, transaction);
      await visitors.saveLastSeen(deviceId, now, transaction);
      await openSession(visitor);
      return visitor;
    }, LOCKING);
  }

  /**
   * A new visitor bound to the device: no usable password, named `VIS` + the device's first 8
   * letters or digits, or `VIS` + 12 random hex digits when that name belongs to someone else.
   * Null when a parallel call bound the device first (the binding's primary key decides).
   */
  private async createVisitor(deviceId: string, stats: DeviceStats, ip: string | null): Promise<SignedIn | null> {
    let username = preferredVisitorName(deviceId) ?? randomVisitorName();
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.insertBoundVisitor(username, deviceId, stats, ip);
      } catch (err) {
        if (!(err instanceof UniqueConstraintError || isDeadlock(err)) || attempt === 3) throw err;
        // The same name was being created by a parallel first call of this device: it won.
        if (await this.app.repos.visitors.existsBinding(deviceId)) return null;
        username = randomVisitorName();
      }
    }
  }

  private insertBoundVisitor(username: string, deviceId: string, stats: DeviceStats, ip: string | null): Promise<SignedIn | null> {
    const { service } = this.ctx;
    return service.account.user.withSession(async (transaction, openSession) => {
      const now = new Date();
      const visitor = await service.account.user.insertUser({
        username, password: NO_PASSWORD, role: VISITOR_ROLE, last_login: now, last_login_ip: ip, devicefingeruuid: deviceId, ...stats,
      }, ip, transaction);
      await this.app.repos.visitors.saveBinding(deviceId, visitor.id, now, transaction);
      await openSession(visitor);
      return visitor;
    }, LOCKING);
  }

  /**
   * Upgrade in place: username, password and role `user`; the binding goes (the device's next
   * visitorRegister makes a fresh visitor). CONTRACT-client-behaviour §3: the sessions the
   * visitor held (all of this device: a visitor is bound to one device) become the user's, same
   * user id, role as stored: none is revoked, so no socket of the device gets a close code (the
   * course client logs out on any code but 1006) and an old instance reconnecting with the
   * visitor token is the same session. Null when the device has no live visitor, also when a
   * racing upgrade took it first.
   */
  private upgradeBound({ deviceId, username, password }: VisitorCredentialInput): Promise<SignedIn | null> {
    const { service } = this.ctx;
    const { users, visitors } = this.app.repos;
    return service.account.user.withSession(async (transaction, openSession) => {
      const visitor = await this.lockBoundVisitor(deviceId, transaction);
      if (!visitor) return null;
      if (visitor.status !== 1) throw new AccountDisabledError();
      if (await service.account.user.usernameTaken(username, transaction, visitor.id)) throw new UsernameTakenError();
      // Hashed under the locks, after the cheap checks: only calls of this device wait for it.
      const hash = await hashPassword(password, this.ctx.service.account.user.hashing());
      await users.saveUser(visitor, { username, password: hash, role: 'user' }, transaction);
      await visitors.removeBinding(deviceId, transaction);
      // 'multi' whatever SESSION_POLICY says: the visitor's sessions on this device stay.
      await openSession(visitor, 'multi');
      return visitor;
    }, LOCKING).catch(err => { throw usernameClash(err); });
  }

  /**
   * The device's live visitor, its binding and row locked until the transaction ends; else null.
   * A binding whose user is deleted or no longer a visitor is stale and removed: the device then
   * gets a fresh visitor, never another account's session.
   */
  private async lockBoundVisitor(deviceId: string, transaction: Transaction): Promise<User | null> {
    const { users, visitors } = this.app.repos;
    const binding = await visitors.lockBinding(deviceId, transaction);
    if (!binding) return null;
    const user = await users.lockUser(binding.user_id, transaction);
    if (user && user.role === VISITOR_ROLE && !user.is_deleted) return user;
    await visitors.removeBinding(deviceId, transaction);
    return null;
  }
}
