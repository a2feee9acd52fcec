import { Service } from 'egg';
import { randomUUID } from 'node:crypto';
import { QueryTypes, UniqueConstraintError } from 'sequelize';
import { AccountDisabledError, BadCredentialsError, UsernameTakenError } from '../../lib/errors';
import { hashPassword, spendVerifyWork, verifyPassword } from '../../lib/account/password';
import { UserObject, userObject } from '../../lib/account/userView';
import { User } from '../../model/user';

export interface Credentials {
  username: string;
  password: string;
}

/** What every authenticated request needs to know of its user. */
export type Standing = Pick<User, 'id' | 'status' | 'is_deleted' | 'role'>;

export default class UserService extends Service {
  /** CONTRACT: POST /api/regChat. */
  async register({ username, password }: Credentials, ip: string | null): Promise<UserObject> {
    const { service } = this.ctx;
    // Every registration that passed validation counts, a 409 too: otherwise the 409 would be
    // an unlimited oracle for which usernames exist. Only our own failures (5xx) are refunded.
    const bucket = service.rateLimit.registerBucket(ip);
    await service.rateLimit.take([ bucket ]);
    try {
      return await this.createWithSession({ username, password }, ip);
    } catch (err) {
      if (!(err instanceof UsernameTakenError)) await service.rateLimit.release([[ bucket, 'refund' ]]).catch(() => undefined);
      throw err;
    }
  }

  private async createWithSession({ username, password }: Credentials, ip: string | null): Promise<UserObject> {
    const { model, service } = this.ctx;
    const { config } = this;
    // Cheap early answer for the common case; the unique index decides races.
    if (await model.User.count({ where: { username }, useMaster: true })) throw new UsernameTakenError();
    const hash = await hashPassword(password, config.im.password);
    const now = new Date();
    let token: string | undefined;
    let user: User;
    try {
      // The row commits only once its session exists: a failure leaves neither behind.
      user = await model.transaction(async transaction => {
        const created = await model.User.create({
          uuid: randomUUID(),
          username,
          password: hash,
          avatar: config.im.user.defaultAvatar,
          register_time: now,
          register_ip: ip,
          create_time: now,
          update_time: now,
        }, { transaction });
        token = await service.session.open(created);
        return created;
      });
    } catch (err) {
      if (token) await service.session.revoke(service.session.decode(token)).catch(() => undefined);
      if (err instanceof UniqueConstraintError) throw new UsernameTakenError();
      throw err;
    }
    return userObject(user, token!, config.im.user.timezone);
  }

  /** CONTRACT: POST /api/loginChat. */
  async login({ username, password }: Credentials, ip: string | null): Promise<UserObject> {
    const { rateLimit } = this.ctx.service;
    const buckets = rateLimit.loginBuckets(username, ip);
    await rateLimit.take([ buckets.userIp, buckets.ip ]);
    let user: User;
    let needsRehash: boolean;
    try {
      ({ user, needsRehash } = await this.checkPassword(username, password));
    } catch (err) {
      // Only a wrong password or unknown name is a failed attempt; give the others back.
      if (!(err instanceof BadCredentialsError)) {
        await rateLimit.release([[ buckets.userIp, 'refund' ], [ buckets.ip, 'refund' ]]).catch(() => undefined);
      }
      throw err;
    }
    // CONTRACT: a success resets the username+IP counter.
    await rateLimit.release([[ buckets.userIp, 'reset' ], [ buckets.ip, 'refund' ]]);
    return this.openSession(user, password, needsRehash, ip);
  }

  /** The row the credentials belong to; the same time and error whether the name exists or not. */
  private async checkPassword(username: string, password: string): Promise<{ user: User; needsRehash: boolean }> {
    const params = this.config.im.password;
    // useMaster: with read replicas (MYSQL_READ_HOSTS) this read must see the latest write at once.
    const user = await this.ctx.model.User.findOne({ where: { username, is_deleted: 0 }, useMaster: true });
    if (!user) {
      await spendVerifyWork(password, params);
      throw new BadCredentialsError();
    }
    const { ok, needsRehash } = await verifyPassword(password, user.password, params);
    if (!ok) throw new BadCredentialsError();
    if (user.status !== 1) throw new AccountDisabledError();
    return { user, needsRehash };
  }

  private async openSession(user: User, password: string, needsRehash: boolean, ip: string | null): Promise<UserObject> {
    const { config } = this;
    user.last_login = new Date();
    user.last_login_ip = ip;
    // Legacy SHA-256 rows and older scrypt parameters are upgraded now that we know the password.
    if (needsRehash) user.password = await hashPassword(password, config.im.password);
    await user.save();
    const token = await this.ctx.service.session.open(user);
    return userObject(user, token, config.im.user.timezone);
  }

  /**
   * The fields the auth middleware needs, by primary key. A plain query: it runs on every
   * authenticated request, and findByPk's model machinery cost ~30 % of search throughput.
   */
  async findStanding(id: number): Promise<Standing | null> {
    const rows = await this.ctx.model.query<Standing>(
      'SELECT id, status, is_deleted, role FROM `user` WHERE id = :id', { type: QueryTypes.SELECT, replacements: { id }, useMaster: true });
    return rows[0] ?? null;
  }
}
