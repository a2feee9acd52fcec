import { Context, Service } from 'egg';
import { Op, QueryTypes, Transaction } from 'sequelize';

/**
 * One domain's part in deleting idle visitors. `inTransaction` runs inside the batch's
 * transaction, after the visitors' rows are locked and before they are deleted; `afterCommit`
 * cleans what lives outside MySQL (Redis) once the batch is gone, and must not throw for ids
 * that have nothing left. A domain whose data must go with its visitors adds its step to
 * PURGE_STEPS (README "Visitor mode").
 */
export interface PurgeStep {
  domain: string;
  inTransaction?(ctx: Context, ids: number[], transaction: Transaction): Promise<unknown>;
  afterCommit?(ctx: Context, ids: number[]): Promise<unknown>;
}

export const PURGE_STEPS: PurgeStep[] = [
  {
    domain: 'friends',
    // Both directions of every friendship and friend application.
    async inTransaction({ model }, ids, transaction) {
      const where = { [Op.or]: [{ user_id: ids }, { friend_id: ids }] };
      await model.Goodfriend.destroy({ where, transaction });
      await model.GoodfriendApply.destroy({ where, transaction });
    },
  },
  {
    domain: 'account',
    // The profile; the visitor_device binding goes with the user row (ON DELETE CASCADE).
    inTransaction: ({ model }, ids, transaction) => model.UserInfo.destroy({ where: { user_id: ids }, transaction }),
    afterCommit: async ({ service }, ids) => {
      for (const id of ids) await service.session.revokeAll(id);
    },
  },
  {
    domain: 'messaging',
    // The offline queue and cursors. Messages stay in MySQL: they are the other side's history too.
    afterCommit: async ({ app }, ids) => {
      for (const id of ids) await app.broker.forgetUser(id);
    },
  },
];

// Idle: last seen (visitorRegister sets last_login) before the threshold; a visitor row that
// never got a last_login counts from its creation. Served by INDEX (role, last_login).
const IDLE = 'role = \'visitor\' AND (last_login < :before OR (last_login IS NULL AND create_time < :before))';

export default class PurgeService extends Service {
  /**
   * Deletes visitors idle for more than VISITOR_RETENTION_DAYS (0: none), one transaction per
   * batch of im.visitors.purgeBatch; answers how many went. Safe to run on several hosts at once:
   * each batch locks and re-checks its rows, and a visitor that arrives or registers meanwhile is
   * no longer idle and stays.
   */
  async idleVisitors(now = new Date()): Promise<number> {
    const { retentionDays, purgeBatch } = this.config.im.visitors;
    if (!retentionDays) return 0;
    const before = new Date(now.getTime() - retentionDays * 86_400_000);
    let purged = 0;
    for (;;) {
      const candidates = await this.select(`SELECT id FROM \`user\` WHERE ${IDLE} LIMIT :limit`, { before, limit: purgeBatch });
      if (!candidates.length) break;
      const deleted = await this.purgeBatch(candidates, before);
      purged += deleted.length;
      if (candidates.length < purgeBatch || !deleted.length) break;
    }
    if (purged) this.logger.info('[visitors] purged %d visitors idle since %s', purged, before.toISOString());
    return purged;
  }

  private async purgeBatch(candidates: number[], before: Date): Promise<number[]> {
    const { ctx } = this;
    const isolationLevel = Transaction.ISOLATION_LEVELS.READ_COMMITTED;
    const ids = await ctx.model.transaction({ isolationLevel }, async transaction => {
      // The visitor routes' lock order (binding, then user): a visitor arriving or upgrading
      // meanwhile is either done first and then no longer idle, or waits and finds no visitor.
      await ctx.model.VisitorDevice.findAll({ where: { user_id: candidates }, transaction, lock: transaction.LOCK.UPDATE });
      const idle = await this.select(`SELECT id FROM \`user\` WHERE id IN (:candidates) AND ${IDLE} FOR UPDATE`,
        { candidates, before }, transaction);
      if (!idle.length) return idle;
      for (const step of PURGE_STEPS) await step.inTransaction?.(ctx, idle, transaction);
      await ctx.model.User.destroy({ where: { id: idle }, transaction });
      return idle;
    });
    for (const step of PURGE_STEPS) {
      // The rows are gone already: a failure here leaves only data that expires or is refused anyway.
      await step.afterCommit?.(ctx, ids).catch(err => this.logger.warn('[visitors] purge step %s failed: %s', step.domain, err.message));
    }
    return ids;
  }

  private async select(sql: string, replacements: Record<string, unknown>, transaction?: Transaction): Promise<number[]> {
    const rows = await this.ctx.model.query<{ id: number }>(sql, { type: QueryTypes.SELECT, replacements, transaction, useMaster: true });
    return rows.map(row => row.id);
  }
}
