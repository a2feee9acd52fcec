import { Service } from 'egg';
import { ConflictError, NotFoundError, UsernameTakenError, ValidationError } from '../../lib/errors';
import { adminPasswordReason, isAdminUsername } from '../../lib/admin/passwordPolicy';
import { AdminRole, isRole } from '../../lib/admin/roles';
import { lockingTransaction } from '../../lib/lockedTransaction';
import { AdminRow } from '../../repository/admin';

/**
 * CONTRACT-admin §2, §4: admin identities, as the console's pages change them. (`npm run
 * admin:create`, scripts/admin-create.js, inserts the first admin without an app: it shares the
 * password rules of app/lib/admin/passwordPolicy.ts and the app's hashing settings.)
 */
export default class AdminAdminsService extends Service {
  /** A new admin with the command's password rules; `byAdminId` null when made from the command line. */
  async create(username: unknown, password: unknown, role: unknown, byAdminId: number | null): Promise<number> {
    if (!isAdminUsername(username)) throw new ValidationError('admin.error.username');
    const reason = adminPasswordReason(password);
    if (reason) throw new ValidationError(reason);
    if (!isRole(role)) throw new ValidationError('admin.error.role');
    if (await this.app.repos.admin.findAdminByName(username)) throw new UsernameTakenError();
    const hash = await this.ctx.service.admin.auth.hashPassword(password as string);
    return this.app.model.transaction(async transaction => {
      const id = await this.app.repos.admin.saveNewAdmin({ username, password_hash: hash, role }, transaction);
      await this.ctx.service.admin.audit.record({ action: 'admin.create', adminId: byAdminId, targetType: 'admin', targetId: id, detail: { username, role } }, transaction);
      return id;
    }).catch(err => {
      if ((err as Error).name === 'SequelizeUniqueConstraintError') throw new UsernameTakenError();
      throw err;
    });
  }

  /**
   * Disable/enable or a new role. An admin cannot disable or demote themself, and the last
   * active super cannot be disabled or demoted (409, nothing changed): decided under locks on
   * the target and the other active supers.
   */
  async change(actorId: number, targetId: number, change: { status?: 0 | 1; role?: AdminRole }): Promise<void> {
    const action = change.role !== undefined ? 'admin.role' : change.status === 0 ? 'admin.disable' : 'admin.enable';
    await lockingTransaction(this.app.model, async transaction => {
      const target = await this.app.repos.admin.findAdmin(targetId, transaction);
      if (!target) throw new NotFoundError();
      const demotes = change.role !== undefined && change.role !== 'super' && target.role === 'super';
      const disables = change.status === 0 && target.status === 1;
      if ((demotes || disables) && targetId === actorId) throw new ConflictError('admin.error.self');
      if ((demotes || disables) && target.role === 'super' && target.status === 1 &&
        await this.app.repos.admin.lockOtherActiveSupers(targetId, transaction) === 0) {
        throw new ConflictError('admin.error.lastSuper');
      }
      await this.app.repos.admin.saveAdmin(targetId, change, transaction);
      await this.ctx.service.admin.audit.record({ action, adminId: actorId, targetType: 'admin', targetId,
        detail: change.role !== undefined ? { from: target.role, to: change.role } : undefined }, transaction);
    });
    if (change.status === 0) await this.ctx.service.admin.auth.endAllSessions(targetId);
  }

  /** Removes an admin's 2FA (they enroll again); by a super. */
  async resetTwoFa(actorId: number, targetId: number): Promise<void> {
    await this.app.model.transaction(async transaction => {
      const target = await this.app.repos.admin.findAdmin(targetId, transaction);
      if (!target) throw new NotFoundError();
      await this.app.repos.admin.saveAdmin(targetId, { totp_secret: null }, transaction);
      await this.ctx.service.admin.audit.record({ action: 'admin.2fa_reset', adminId: actorId, targetType: 'admin', targetId }, transaction);
    });
  }

  /** The admin's own 2FA: enrolled with a confirmed secret, or removed. */
  async setOwnTwoFa(admin: AdminRow | { id: number }, sealed: string | null): Promise<void> {
    await this.app.model.transaction(async transaction => {
      await this.app.repos.admin.saveAdmin(admin.id, { totp_secret: sealed }, transaction);
      await this.ctx.service.admin.audit.record({ action: sealed ? '2fa.enroll' : '2fa.remove', adminId: admin.id, targetType: 'admin', targetId: admin.id }, transaction);
    });
  }

  /**
   * The admin's own new password (CONTRACT-admin §3): the current one checked, the command's
   * rules for the new one, the hash and its audit entry (no password) in one transaction; then
   * every session of the admin ends, the one that asked included ("changing their password ends
   * their sessions at once": docs/operations.md "Logging in").
   */
  async changeOwnPassword(adminId: number, current: unknown, password: unknown): Promise<void> {
    const { auth } = this.ctx.service.admin;
    const row = await this.app.repos.admin.findAdmin(adminId);
    if (!row) throw new NotFoundError();
    if (!await auth.checkPassword(row, current)) throw new ValidationError('admin.error.currentPassword');
    const reason = adminPasswordReason(password);
    if (reason) throw new ValidationError(reason);
    const hash = await auth.hashPassword(password as string);
    await this.app.model.transaction(async transaction => {
      await this.app.repos.admin.saveAdmin(adminId, { password_hash: hash }, transaction);
      await this.ctx.service.admin.audit.record({ action: 'admin.password', adminId, targetType: 'admin', targetId: adminId }, transaction);
    });
    await auth.endAllSessions(adminId);
  }

  list(): Promise<AdminRow[]> {
    return this.app.repos.admin.listAdmins();
  }
}
