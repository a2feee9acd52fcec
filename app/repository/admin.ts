// The console's tables (CONTRACT-admin §2, §5): admin_user and admin_audit, and the reads of the
// `user` table that only the console makes (its paged list, the dashboard's figures). admin_audit
// is append-only: this module has an insert and reads, no UPDATE or DELETE of it.
import type { Sequelize, Transaction } from 'sequelize';
import { escapeLike } from '../lib/account/like';
import { AdminRole } from '../lib/admin/roles';
import { MEMBER_STATUS } from '../lib/groups/views';
import { sqlTime } from '../lib/time';
import { change, insert, select } from './statements';

export interface AdminRow {
  id: number;
  username: string;
  password_hash: string;
  role: AdminRole;
  totp_secret: string | null;
  status: number;
  last_login: Date | null;
  last_login_ip: string | null;
  create_time: Date;
}

export interface AuditRow {
  id: number;
  admin_id: number | null;
  admin_username: string | null;
  action: string;
  target_type: string | null;
  target_id: number | null;
  detail: string | null;
  ip: string | null;
  user_agent: string | null;
  create_time: Date;
}

export interface NewAudit {
  admin_id: number | null;
  action: string;
  target_type: string | null;
  target_id: number | null;
  detail: string | null;
  ip: string | null;
  user_agent: string | null;
}

export interface AuditFilter {
  adminId?: number;
  action?: string;
  targetId?: number;
  targetType?: string;
}

/** A row of the console's user list and user page. */
export interface ConsoleUserRow {
  id: number;
  uuid: string;
  username: string;
  nickname: string;
  avatar: string;
  role: string;
  status: number;
  is_deleted: number;
  create_time: Date;
  last_login: Date | null;
  last_login_ip: string | null;
}

/** A row of the console's group list. */
export interface ConsoleGroupRow {
  id: number;
  uuid: string;
  name: string;
  avatar: string;
  status: number;
  user_id: number;
  owner: string | null;
  members: number;
  create_time: Date;
}

export interface GroupFilter {
  /** An id, or a substring of the name. */
  q?: string;
  status?: number;
}

export interface UserFilter {
  status?: number;
  role?: string;
}

const ADMIN_COLUMNS = 'id, username, password_hash, role, totp_secret, status, last_login, last_login_ip, create_time';
const USER_COLUMNS = 'u.id, u.uuid, u.username, u.nickname, u.avatar, u.role, u.status, u.is_deleted, u.create_time, u.last_login, u.last_login_ip';

export class AdminRepository {
  constructor(private readonly sequelize: Sequelize) {}

  // ---- admin_user

  async findAdmin(id: number, transaction?: Transaction): Promise<AdminRow | null> {
    const [ row ] = await select<AdminRow>(this.sequelize, `SELECT ${ADMIN_COLUMNS} FROM admin_user WHERE id = :id${transaction ? ' FOR UPDATE' : ''}`, { id }, transaction);
    return row ?? null;
  }

  async findAdminByName(username: string): Promise<AdminRow | null> {
    const [ row ] = await select<AdminRow>(this.sequelize, `SELECT ${ADMIN_COLUMNS} FROM admin_user WHERE username = :username`, { username });
    return row ?? null;
  }

  listAdmins(): Promise<AdminRow[]> {
    return select<AdminRow>(this.sequelize, `SELECT ${ADMIN_COLUMNS} FROM admin_user ORDER BY id`, {});
  }

  async countAdmins(): Promise<number> {
    const [ row ] = await select<{ n: number }>(this.sequelize, 'SELECT COUNT(*) AS n FROM admin_user', {});
    return Number(row.n);
  }

  /** Active supers other than `exceptId`, their rows locked (the last-super rule decides under these locks). */
  async lockOtherActiveSupers(exceptId: number, transaction: Transaction): Promise<number> {
    const rows = await select<{ id: number }>(this.sequelize,
      "SELECT id FROM admin_user WHERE role = 'super' AND status = 1 AND id <> :exceptId FOR UPDATE", { exceptId }, transaction);
    return rows.length;
  }

  saveNewAdmin(row: { username: string; password_hash: string; role: AdminRole }, transaction?: Transaction): Promise<number> {
    return insert(this.sequelize, 'INSERT INTO admin_user (username, password_hash, role, totp_secret, status, create_time, update_time) ' +
      'VALUES (:username, :password_hash, :role, NULL, 1, :now, :now)', { ...row, now: sqlTime() }, transaction);
  }

  async saveAdmin(id: number, changes: Partial<Pick<AdminRow, 'role' | 'status' | 'totp_secret' | 'password_hash' | 'last_login_ip'>> & { last_login?: Date },
    transaction?: Transaction): Promise<void> {
    const columns = Object.keys(changes) as Array<keyof typeof changes>;
    if (!columns.length) return;
    const values: Record<string, unknown> = { id, now: sqlTime() };
    for (const column of columns) {
      const value = changes[column];
      values[column] = value instanceof Date ? sqlTime(value) : value;
    }
    await change(this.sequelize, `UPDATE admin_user SET ${columns.map(c => `${c} = :${c}`).join(', ')}, update_time = :now WHERE id = :id`, values, transaction);
  }

  // ---- admin_audit

  async saveAudit(entry: NewAudit, transaction?: Transaction): Promise<void> {
    await insert(this.sequelize, 'INSERT INTO admin_audit (admin_id, action, target_type, target_id, detail, ip, user_agent, create_time) ' +
      'VALUES (:admin_id, :action, :target_type, :target_id, :detail, :ip, :user_agent, :now)', { ...entry, now: sqlTime() }, transaction);
  }

  /** Newest first; `limit` rows from `offset`. */
  listAudit(filter: AuditFilter, offset: number, limit: number): Promise<AuditRow[]> {
    const where: string[] = [];
    if (filter.adminId !== undefined) where.push('a.admin_id = :adminId');
    if (filter.action !== undefined) where.push('a.action = :action');
    if (filter.targetType !== undefined) where.push('a.target_type = :targetType');
    if (filter.targetId !== undefined) where.push('a.target_id = :targetId');
    return select<AuditRow>(this.sequelize, 'SELECT a.id, a.admin_id, m.username AS admin_username, a.action, a.target_type, a.target_id, ' +
      'a.detail, a.ip, a.user_agent, a.create_time FROM admin_audit a LEFT JOIN admin_user m ON m.id = a.admin_id' +
      `${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY a.id DESC LIMIT :offset, :limit`, { ...filter, offset, limit });
  }

  // ---- the `user` table as the console reads it

  /** Newest first, by status and role, `limit` rows from `offset`. */
  listUsers(filter: UserFilter, offset: number, limit: number): Promise<ConsoleUserRow[]> {
    const where: string[] = [];
    if (filter.status !== undefined) where.push('u.status = :status');
    if (filter.role !== undefined) where.push('u.role = :role');
    return select<ConsoleUserRow>(this.sequelize, `SELECT ${USER_COLUMNS} FROM \`user\` u` +
      `${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY u.id DESC LIMIT :offset, :limit`, { ...filter, offset, limit });
  }

  /** These users, in id order (the search's matches, found by id, uuid or the name index). */
  listUsersByIds(ids: number[]): Promise<ConsoleUserRow[]> {
    if (!ids.length) return Promise.resolve([]);
    return select<ConsoleUserRow>(this.sequelize, `SELECT ${USER_COLUMNS} FROM \`user\` u WHERE u.id IN (:ids) ORDER BY u.id`, { ids });
  }

  async findUser(id: number): Promise<ConsoleUserRow | null> {
    const [ row ] = await select<ConsoleUserRow>(this.sequelize, `SELECT ${USER_COLUMNS} FROM \`user\` u WHERE u.id = :id`, { id });
    return row ?? null;
  }

  async findUserIdByUuid(uuid: string): Promise<number | null> {
    const [ row ] = await select<{ id: number }>(this.sequelize, 'SELECT id FROM `user` WHERE uuid = :uuid', { uuid });
    return row?.id ?? null;
  }

  async countFriends(userId: number): Promise<number> {
    const [ row ] = await select<{ n: number }>(this.sequelize, 'SELECT COUNT(*) AS n FROM goodfriend WHERE user_id = :userId', { userId });
    return Number(row.n);
  }

  // ---- chat_group as the console reads it (read-only: the groups domain owns every write)

  /** Newest first, `limit` rows from `offset`; `q` an id or a name substring (a scan of chat_group, filtered by status first). */
  listGroups(filter: GroupFilter, offset: number, limit: number): Promise<ConsoleGroupRow[]> {
    const where: string[] = [];
    const values: Record<string, unknown> = { offset, limit, member: MEMBER_STATUS };
    if (filter.status !== undefined) {
      where.push('g.status = :status');
      values.status = filter.status;
    }
    if (filter.q) {
      where.push(/^\d{1,10}$/.test(filter.q) ? '(g.id = :id OR g.name LIKE :contains)' : 'g.name LIKE :contains');
      values.id = Number(filter.q);
      values.contains = `%${escapeLike(filter.q)}%`;
    }
    return select<ConsoleGroupRow>(this.sequelize, 'SELECT g.id, g.uuid, g.name, g.avatar, g.status, g.user_id, u.username AS owner, g.create_time, ' +
      '(SELECT COUNT(*) FROM chat_group_user m WHERE m.group_id = g.id AND m.status = :member) AS members ' +
      `FROM chat_group g LEFT JOIN \`user\` u ON u.id = g.user_id${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ` +
      'ORDER BY g.id DESC LIMIT :offset, :limit', values);
  }

  // ---- the dashboard's figures (cached by the caller: these read index ranges or the table)

  /** Accounts by role (soft-deleted ones included): read from idx_user_role_last_login alone, never the rows. */
  countUsersByRole(): Promise<Array<{ role: string; n: number }>> {
    return select(this.sequelize, 'SELECT role, COUNT(*) AS n FROM `user` FORCE INDEX (idx_user_role_last_login) GROUP BY role', {});
  }

  /** Groups (one row each in chat_group, small next to `user`). */
  async countGroups(): Promise<number> {
    const [ row ] = await select<{ n: number }>(this.sequelize, 'SELECT COUNT(*) AS n FROM chat_group', {});
    return Number(row.n);
  }

  /** Registrations in [from, to): a range of idx_user_create_time, counted in the index. */
  async countRegistrations(from: Date, to: Date): Promise<number> {
    const [ row ] = await select<{ n: number }>(this.sequelize,
      'SELECT COUNT(*) AS n FROM `user` FORCE INDEX (idx_user_create_time) WHERE create_time >= :from AND create_time < :to',
      { from: sqlTime(from), to: sqlTime(to) });
    return Number(row.n);
  }

  /** Registrations since `from` per minute (epoch minute): a range of idx_user_create_time, counted in the index. */
  registrationsPerMinute(from: Date): Promise<Array<{ bucket: number; n: number }>> {
    return select(this.sequelize, 'SELECT FLOOR(UNIX_TIMESTAMP(create_time) / 60) AS bucket, COUNT(*) AS n ' +
      'FROM `user` FORCE INDEX (idx_user_create_time) WHERE create_time >= :from GROUP BY bucket', { from: sqlTime(from) });
  }
}
