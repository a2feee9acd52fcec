// The console's live figures (CONTRACT-admin §4): every process reports, every few seconds, the
// users with a socket on it (a HyperLogLog per process, so a user on two processes counts once)
// and its open sockets, and adds the messages it stored since its last report to per-minute and
// per-day counters. The dashboard reads these few keys, never one process's view.
import os from 'node:os';
import { Application } from 'egg';
import { messagesDayKey, messagesMinuteKey, onlineUsersKey, processReportsKey } from '../lib/admin/keys';
import { messagesStored } from '../lib/metrics/registry';
import { parseOffset } from '../lib/time';

/** How often a process reports; a report older than three periods is of a process gone. */
export const PRESENCE_PERIOD_MS = 5000;
const UIDS_PER_COMMAND = 5000;

export interface PresenceSource {
  presence(): { users: number[]; sockets: number };
}

/** YYYY-MM-DD of an instant at a UTC offset. */
export function dayAt(ms: number, offset: string): string {
  return new Date(ms + parseOffset(offset) * 60_000).toISOString().slice(0, 10);
}

export class Presence {
  readonly processId = `${os.hostname()}:${process.pid}`;
  private timer?: NodeJS.Timeout;
  private reported = 0;
  private reportedAt = 0;

  constructor(private readonly app: Application, private readonly source: PresenceSource) {}

  start() {
    const run = async () => {
      await this.report().catch(err => this.app.logger.warn('[admin] presence not reported: %s', err.message));
      // The dashboard's queried figures, refreshed here (one process at a time), never on a page view.
      await this.app.createAnonymousContext().service.admin.dashboard.refresh()
        .catch(err => this.app.logger.warn('[admin] dashboard figures not refreshed: %s', err.message));
      this.timer = setTimeout(run, PRESENCE_PERIOD_MS).unref();
    };
    this.timer = setTimeout(run, 0).unref();
  }

  stop() {
    clearTimeout(this.timer);
  }

  /** Reports unless the last report is younger than `ms` (the dashboard's view of its own process is never staler). */
  async reportWithin(ms: number): Promise<void> {
    if (Date.now() - this.reportedAt >= ms) await this.report();
  }

  /** Writes this process's figures now. */
  async report(): Promise<void> {
    const { users, sockets } = this.source.presence();
    const now = Date.now();
    this.reportedAt = now;
    const key = onlineUsersKey(this.processId);
    const multi = this.app.redis.multi().del(key);
    for (let i = 0; i < users.length; i += UIDS_PER_COMMAND) multi.pfadd(key, ...users.slice(i, i + UIDS_PER_COMMAND).map(String));
    multi.pexpire(key, 3 * PRESENCE_PERIOD_MS).hset(processReportsKey(), this.processId, `${sockets} ${now}`);
    const stored = (await messagesStored.get()).values[0]?.value ?? 0;
    const delta = stored - this.reported;
    this.reported = stored;
    if (delta > 0) {
      const minuteKey = messagesMinuteKey(Math.floor(now / 60_000));
      const dayKey = messagesDayKey(dayAt(now, this.app.config.im.user.timezone));
      multi.incrby(minuteKey, delta).expire(minuteKey, 2 * 3600).incrby(dayKey, delta).expire(dayKey, 32 * 86400);
    }
    await multi.exec();
  }
}
