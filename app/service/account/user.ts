import { Service } from 'egg';
import { randomUUID } from 'node:crypto';
import { Transaction, TransactionOptions, UniqueConstraintError } from 'sequelize';
import { AccountDisabledError, BadCredentialsError, UsernameTakenError } from '../../lib/errors';
import { hashPassword, PasswordConfig, spendVerifyWork, verifyPassword } from '../../lib/account/password';
import { Standing } from '../../lib/account/standing';
import { DeviceColumns, UserObject, userObject } from '../../lib/account/userView';
import { User } from '../../model/user';
import { Bucket, Release } from '../rateLimit';

export interface Credentials {
  username: string;
  password: string;
}

/** A user row and the token of the session just opened for it. */
export interface SignedIn {
  user: User;
  token: string;
}

/** Opens the session inside withSession(); `policy` as in SessionService.open. */
export type OpenSession = (user: User, policy?: 'multi' | 'single') => Promise<void>;

/** Columns a new account may set besides its (hashed) credentials (visitor mode: role, device). */
export type UserExtras = Partial<Pick<User, 'role' | 'last_login' | 'last_login_ip' | keyof DeviceColumns>>;

/** A clash on a unique index while writing a username is the 409 of a taken name. */
export const usernameClash = (err: unknown) => (err instanceof UniqueConstraintError ? new UsernameTakenError() : err);

export default class UserService extends Service {
  /** CONTRACT: POST /api/regChat. */
  async register(credentials: Credentials, ip: string | null): Promise<UserObject> {
    const { user, token } = await this.limitRegistration(ip, () => this.createWithSession(credentials, ip));
    return userObject(user, token, this.config.im.user.timezone);
  }

  /**
   * Runs a registration under the per-IP registration limit. Every registration that passed
   * validation counts, a 409 too: otherwise the 409 would be an unlimited oracle for which
   * usernames exist. Other failures (403, 5xx) are refunded.
   */
  async limitRegistration<T>(ip: string | null, register: () => Promise<T>): Promise<T> {
    const { rateLimit } = this.ctx.service;
    const bucket = rateLimit.registerBucket(ip);
    await rateLimit.take([ bucket ]);
    try {
      return await register();
    } catch (err) {
      if (!(err instanceof UsernameTakenError)) await rateLimit.release([[ bucket, 'refund' ]]).catch(() => undefined);
      throw err;
    }
  }

  /** A new user with its first session; 409 when the name is taken. */
  async createWithSession(
    { username, password }: Credentials, ip: string | null, extras: UserExtras = {},
  ): Promise<SignedIn> {
    // Cheap early answer for the common case; the unique index decides races.
    if (await this.usernameTaken(username)) throw new UsernameTakenError();
    const hash = await hashPassword(password, this.hashing());
    const created = await this.withSession(async (transaction, openSession) => {
      const user = await this.insertUser({ username, password: hash, ...extras }, ip, transaction);
      await openSession(user);
      return user;
    }).catch(err => { throw usernameClash(err); });
    return created!;
  }

  /** Inserts a new account's row: a fresh uuid, the default avatar, registered now from `ip`. */
  insertUser(columns: Credentials & UserExtras, ip: string | null, transaction: Transaction): Promise<User> {
    const now = new Date();
    return this.app.repos.users.saveNewUser({
      uuid: randomUUID(),
      avatar: this.config.im.user.defaultAvatar,
      register_time: now,
      register_ip: ip,
      create_time: now,
      update_time: now,
      ...columns,
    }, transaction);
  }

  /** Usernames are unique case-insensitively (the column's collation); `exceptId`'s own name does not count. */
  usernameTaken(username: string, transaction?: Transaction, exceptId?: number): Promise<boolean> {
    return this.app.repos.users.existsUsername(username, transaction, exceptId);
  }

  /**
   * Runs `write` in a transaction that commits only once the session `write` opened exists; if
   * anything fails, that session is revoked, so a failure leaves neither row changes nor a
   * session behind. `write` answers null when it opened none.
   */
  async withSession(
    write: (transaction: Transaction, openSession: OpenSession) => Promise<User | null>,
    options: TransactionOptions = {},
  ): Promise<SignedIn | null> {
    const { service } = this.ctx;
    let token: string | undefined;
    try {
      const user = await this.app.model.transaction(options, transaction =>
        write(transaction, async (subject, policy) => { token = await service.session.open(subject, policy); }));
      return user && token ? { user, token } : null;
    } catch (err) {
      if (token) await service.session.revoke(service.session.decode(token)).catch(() => undefined);
      throw err;
    }
  }

  /** CONTRACT: POST /api/loginChat. */
  async login(credentials: Credentials, ip: string | null): Promise<UserObject> {
    const { user, token } = await this.authenticate(credentials, ip);
    return userObject(user, token, this.config.im.user.timezone);
  }

  /**
   * Checks the password under the login limits and opens a session. Before the hash, the attempt
   * takes a place as a failure (per username + IP, per IP) and as a success (per IP); the check
   * gives back the kind it was not, so every hash an IP causes counts in one of its buckets. A
   * right password then counts for the account (LOGIN_OK_LIMIT_USER): counted after the check,
   * so wrong passwords from elsewhere can never use up the owner's logins.
   */
  async authenticate({ username, password }: Credentials, ip: string | null): Promise<SignedIn> {
    const { rateLimit } = this.ctx.service;
    const buckets = rateLimit.loginBuckets(username, ip);
    await rateLimit.take([ buckets.userIp, buckets.ip, buckets.okIp ]);
    let user: User;
    let needsRehash: boolean;
    try {
      ({ user, needsRehash } = await this.checkPassword(username, password));
    } catch (err) {
      // A wrong password or unknown name is a failed attempt; anything else (403, 503) is neither.
      const failed = err instanceof BadCredentialsError;
      const refunds: Array<[ Bucket, Release ]> = failed ? [] : [[ buckets.userIp, 'refund' ], [ buckets.ip, 'refund' ]];
      await rateLimit.release([ ...refunds, [ buckets.okIp, 'refund' ]]).catch(() => undefined);
      throw err;
    }
    // CONTRACT: a success resets the username+IP counter.
    await rateLimit.release([[ buckets.userIp, 'reset' ], [ buckets.ip, 'refund' ]]);
    await rateLimit.take([ buckets.okUser ]);
    return this.openSession(user, password, needsRehash, ip);
  }

  /** The row the credentials belong to; the same time and error whether the name exists or not. */
  private async checkPassword(username: string, password: string): Promise<{ user: User; needsRehash: boolean }> {
    const params = this.hashing();
    // On the primary: with read replicas (MYSQL_READ_HOSTS) this read must see the latest write at once.
    const user = await this.app.repos.users.findByUsername(username);
    // A visitor has no usable password, whatever its row holds (README "Visitor mode").
    if (!user || user.role === 'visitor') {
      await spendVerifyWork(password, params);
      throw new BadCredentialsError();
    }
    const { ok, needsRehash } = await verifyPassword(password, user.password, params);
    if (!ok) throw new BadCredentialsError();
    if (user.status !== 1) throw new AccountDisabledError();
    return { user, needsRehash };
  }

  private async openSession(user: User, password: string, needsRehash: boolean, ip: string | null): Promise<SignedIn> {
    // Legacy SHA-256 rows and older scrypt parameters are upgraded now that we know the password.
    const rehashed = needsRehash ? { password: await hashPassword(password, this.hashing()) } : {};
    await this.app.repos.users.saveUser(user, { last_login: new Date(), last_login_ip: ip, ...rehashed });
    const token = await this.ctx.service.session.open(user);
    return { user, token };
  }

  /** The scrypt parameters and slot limits of this request's hashes, owned by its client address (the per-client bound). */
  hashing(): PasswordConfig {
    return { ...this.config.im.password, owner: this.ctx.ip };
  }

  /** The fields the auth middleware needs, by primary key (app/repository/users.ts). */
  findStanding(id: number): Promise<Standing | null> {
    return this.app.repos.users.findStanding(id);
  }
}
