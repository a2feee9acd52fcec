import { Service } from 'egg';
import { randomUUID } from 'node:crypto';
import { QueryTypes, UniqueConstraintError } from 'sequelize';
import { AccountDisabledError, BadCredentialsError, UsernameTakenError } from '../lib/errors';
import { hashPassword, spendVerifyWork, verifyPassword } from '../lib/password';
import { UserObject, userObject } from '../lib/userView';
import { User } from '../model/user';

export interface Credentials {
  username: string;
  password: string;
}

export default class UserService extends Service {
  /** CONTRACT: POST /api/regChat. */
  async register({ username, password }: Credentials, ip: string | null): Promise<UserObject> {
    const { model, service } = this.ctx;
    const { config } = this;
    // Cheap early answer for the common case; the unique index decides races.
    if (await model.User.count({ where: { username } })) throw new UsernameTakenError();
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
    const { model, service } = this.ctx;
    const { config } = this;
    const user = await model.User.findOne({ where: { username, is_deleted: 0 } });
    if (!user) {
      await spendVerifyWork(password, config.im.password);
      throw new BadCredentialsError();
    }
    const { ok, needsRehash } = await verifyPassword(password, user.password, config.im.password);
    if (!ok) throw new BadCredentialsError();
    if (user.status !== 1) throw new AccountDisabledError();

    user.last_login = new Date();
    user.last_login_ip = ip;
    if (needsRehash) user.password = await hashPassword(password, config.im.password);
    await user.save();
    const token = await service.session.open(user);
    return userObject(user, token, config.im.user.timezone);
  }

  /**
   * The fields the auth middleware needs, by primary key. A plain query: it runs on every
   * authenticated request, and findByPk's model machinery cost ~30 % of search throughput.
   */
  async findStanding(id: number): Promise<Pick<User, 'id' | 'status' | 'is_deleted'> | null> {
    const rows = await this.ctx.model.query<Pick<User, 'id' | 'status' | 'is_deleted'>>(
      'SELECT id, status, is_deleted FROM `user` WHERE id = :id', { type: QueryTypes.SELECT, replacements: { id } });
    return rows[0] ?? null;
  }
}
