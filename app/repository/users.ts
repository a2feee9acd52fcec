// The `user` and `user_info` tables (docs: architecture "Repositories"): accounts through the
// Sequelize model (its UniqueConstraintError is how a taken username shows), and the standing
// reads. The auth check's
// primary-key lookup runs on every authenticated request: lookups started in the same turn of
// the event loop share one statement, `WHERE id IN (…)` (app/lib/turnBatch.ts), prepared once
// per connection and id count (app/lib/pooledQuery.ts).
import { CreationAttributes, ModelStatic, Op, Sequelize, Transaction } from 'sequelize';
import { Standing } from '../lib/account/standing';
import { User } from '../model/user';
import { UserInfo } from '../model/userInfo';
import { pooledExecute } from '../lib/pooledQuery';
import { TurnBatch } from '../lib/turnBatch';

// Id counts are padded to a power of two (the last id repeated), so a connection prepares at
// most 7 statements; more ids than MAX_IDS go out as several statements.
const MAX_IDS = 64;
const statements = new Map<number, string>();
function statementFor(count: number): string {
  let sql = statements.get(count);
  if (!sql) {
    sql = `SELECT id, status, is_deleted, role FROM \`user\` WHERE id IN (${new Array(count).fill('?').join(', ')})`;
    statements.set(count, sql);
  }
  return sql;
}

export class UserRepository {
  private readonly batch = new TurnBatch<number, Standing | null>(ids => this.listStandings(ids));

  constructor(private readonly sequelize: Sequelize) {}

  private get User() {
    return this.sequelize.models.User as ModelStatic<User>;
  }

  private get UserInfo() {
    return this.sequelize.models.UserInfo as ModelStatic<UserInfo>;
  }

  /** Resolves when the primary answers a trivial statement (the health check, the hub's dependency watch). */
  async ping(): Promise<void> {
    await this.sequelize.query('SELECT 1', { useMaster: true });
  }

  /** Inserts a new account's row; a taken username rejects with Sequelize's UniqueConstraintError. */
  saveNewUser(row: CreationAttributes<User>, transaction: Transaction): Promise<User> {
    return this.User.create(row, { transaction });
  }

  /** Writes `changes` to the user's row (and to `user`); a taken username rejects as in saveNewUser. */
  async saveUser(user: User, changes: Partial<CreationAttributes<User>>, transaction?: Transaction): Promise<void> {
    await user.update(changes, { transaction });
  }

  /** Usernames are unique case-insensitively (the column's collation); `exceptId`'s own name does not count. */
  async existsUsername(username: string, transaction?: Transaction, exceptId?: number): Promise<boolean> {
    const where = exceptId === undefined ? { username } : { username, id: { [Op.ne]: exceptId } };
    return (await this.User.count({ where, transaction, useMaster: true })) > 0;
  }

  /** The undeleted account of this username, read on the primary (it must see the latest write at once). */
  findByUsername(username: string): Promise<User | null> {
    return this.User.findOne({ where: { username, is_deleted: 0 }, useMaster: true });
  }

  /** The user's row, locked until the transaction ends; null when there is none. */
  lockUser(id: number, transaction: Transaction): Promise<User | null> {
    return this.User.findByPk(id, { transaction, lock: transaction.LOCK.UPDATE });
  }

  /** Deletes these users' rows (their visitor_device bindings go with them: ON DELETE CASCADE). */
  async removeUsers(ids: number[], transaction: Transaction): Promise<void> {
    await this.User.destroy({ where: { id: ids }, transaction });
  }

  /** Deletes these users' profiles (user_info). */
  async removeProfiles(ids: number[], transaction: Transaction): Promise<void> {
    await this.UserInfo.destroy({ where: { user_id: ids }, transaction });
  }

  /** The user's standing as stored when the lookup is sent, or null (batched per event-loop turn). */
  findStanding(id: number): Promise<Standing | null> {
    return this.batch.get(id);
  }

  /** The standing of each id, in the order given (null: no such user), MAX_IDS ids per statement. */
  async listStandings(ids: number[]): Promise<Array<Standing | null>> {
    const chunks: number[][] = [];
    for (let i = 0; i < ids.length; i += MAX_IDS) chunks.push(ids.slice(i, i + MAX_IDS));
    const found = new Map((await Promise.all(chunks.map(chunk => this.selectStandings(chunk)))).flat().map(row => [ row.id, row ]));
    return ids.map(id => found.get(id) ?? null);
  }

  private selectStandings(ids: number[]): Promise<Standing[]> {
    let size = 1;
    while (size < ids.length) size *= 2;
    const values = ids.concat(new Array(size - ids.length).fill(ids[ids.length - 1]));
    return pooledExecute<Standing>(this.sequelize, 'write', statementFor(size), values);
  }
}
