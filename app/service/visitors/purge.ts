import { Context, Service } from 'egg';
import { Transaction } from 'sequelize';

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
    // Both directions of every friendship, friend application and block.
    inTransaction: ({ app }, ids, transaction) => app.repos.friends.removeAllOf(ids, transaction),
  },
  {
    domain: 'account',
    // The profile; the visitor_device binding goes with the user row (ON DELETE CASCADE).
    inTransaction: ({ app }, ids, transaction) => app.repos.users.removeProfiles(ids, transaction),
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
      const candidates = await this.app.repos.visitors.listIdle(before, purgeBatch);
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
    const { users, visitors } = this.app.repos;
    const isolationLevel = Transaction.ISOLATION_LEVELS.READ_COMMITTED;
    const ids = await this.app.model.transaction({ isolationLevel }, async transaction => {
      // The visitor routes' lock order (binding, then user): a visitor arriving or upgrading
      // meanwhile is either done first and then no longer idle, or waits and finds no visitor.
      await visitors.lockBindingsOf(candidates, transaction);
      const idle = await visitors.lockIdle(candidates, before, transaction);
      if (!idle.length) return idle;
      for (const step of PURGE_STEPS) await step.inTransaction?.(ctx, idle, transaction);
      await users.removeUsers(idle, transaction);
      return idle;
    });
    for (const step of PURGE_STEPS) {
      // The rows are gone already: a failure here leaves only data that expires or is refused anyway.
      await step.afterCommit?.(ctx, ids).catch(err => this.logger.warn('[visitors] purge step %s failed: %s', step.domain, err.message));
    }
    return ids;
  }
}
