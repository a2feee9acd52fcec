import { Service } from 'egg';
import { cachedFiguresKey, cachedFiguresLockKey, messagesDayKey, messagesMinuteKey, onlineUsersKey, processReportsKey, registrationsDayKey } from '../../lib/admin/keys';
import { parseOffset } from '../../lib/time';
import { dayAt, PRESENCE_PERIOD_MS } from '../../realtime/presence';

/** Figures that cost a query: refreshed in the background at most once a minute by one process, served from Redis. */
export interface QueriedFigures {
  at: number;
  users: number;
  visitors: number;
  groups: number;
  registrationsToday: number;
  registrationsPerMinute: number[];
  registrationsPerDay: number[];
}

/** What the page shows while the first refresh has not finished (or MySQL did not answer): no number. */
const UNKNOWN: Omit<QueriedFigures, 'at'> = {
  users: NaN, visitors: NaN, groups: NaN, registrationsToday: NaN, registrationsPerMinute: [], registrationsPerDay: [],
};

export interface Figures extends Omit<QueriedFigures, 'at'> {
  /** When the queried figures were computed (ms), or null when there are none yet. */
  at: number | null;
  online: number;
  sockets: number;
  messagesLastHour: number;
  messagesToday: number;
  messagesPerMinute: number[];
  messagesPerDay: number[];
  minutes: string[];
  days: string[];
}

const CACHE_MS = 60_000;
const DAY_MS = 86400_000;

/**
 * CONTRACT-admin §4: the dashboard. Cheap at 1M users: online users and sockets come from the
 * processes' reports (app/realtime/presence.ts), messages from counters, and the figures that
 * need a query (user totals, registrations) from a cache that one process at a time refreshes in
 * the background at most once a minute; a page view never runs a query over `user`.
 */
export default class AdminDashboardService extends Service {
  async figures(): Promise<Figures> {
    const now = Date.now();
    const tz = this.config.im.user.timezone;
    const [ queried, live ] = await Promise.all([ this.queried(), this.live(now) ]);
    const minutes = Array.from({ length: 60 }, (_, i) => Math.floor(now / 60_000) - 59 + i);
    const days = Array.from({ length: 30 }, (_, i) => dayAt(now - (29 - i) * DAY_MS, tz));
    const counts = (await this.app.redis.mget(...minutes.map(messagesMinuteKey), ...days.map(messagesDayKey))).map(Number);
    const messagesPerMinute = counts.slice(0, 60);
    const messagesPerDay = counts.slice(60);
    const clock = (minute: number) => new Date(minute * 60_000 + parseOffset(tz) * 60_000).toISOString().slice(11, 16);
    return {
      ...queried, ...live,
      messagesPerMinute, messagesPerDay,
      messagesLastHour: messagesPerMinute.reduce((a, b) => a + b, 0),
      messagesToday: messagesPerDay[29],
      minutes: minutes.map(clock), days: days.map(day => day.slice(5)),
    };
  }

  /** Users with a live socket on any process, and open sockets: the fresh reports of every process. */
  private async live(now: number): Promise<{ online: number; sockets: number }> {
    await this.app.presence?.reportWithin(1000);
    const reports = await this.app.redis.hgetall(processReportsKey());
    const fresh: string[] = [];
    const stale: string[] = [];
    let sockets = 0;
    for (const [ processId, value ] of Object.entries(reports)) {
      const [ count, at ] = value.split(' ').map(Number);
      if (now - at <= 3 * PRESENCE_PERIOD_MS) {
        fresh.push(processId);
        sockets += count;
      } else {
        stale.push(processId);
      }
    }
    if (stale.length) await this.app.redis.hdel(processReportsKey(), ...stale);
    const online = fresh.length ? await this.app.redis.pfcount(...fresh.map(onlineUsersKey) as [ string ]) : 0;
    return { online, sockets };
  }

  /** The queried figures as cached; never a query on the request path (app/realtime/presence.ts refreshes them). */
  private async queried(): Promise<Omit<QueriedFigures, 'at'> & { at: number | null }> {
    const cached = await this.app.redis.get(cachedFiguresKey());
    return cached ? JSON.parse(cached) as QueriedFigures : { ...UNKNOWN, at: null };
  }

  /**
   * Recomputes the queried figures when they are older than a minute, in one process at a time
   * (a lock in Redis); the presence timer of every process calls this. Each figure reads an
   * index range or an index alone, and past days' registrations are counted once.
   */
  async refresh(now = Date.now()): Promise<void> {
    const { redis } = this.app;
    const cached = await redis.get(cachedFiguresKey());
    if (cached && now - (JSON.parse(cached) as QueriedFigures).at < CACHE_MS) return;
    if (await redis.set(cachedFiguresLockKey(), '1', 'PX', 30_000, 'NX') !== 'OK') return;
    try {
      const fresh = await this.compute(now);
      await redis.set(cachedFiguresKey(), JSON.stringify(fresh), 'PX', 10 * CACHE_MS);
    } finally {
      await redis.del(cachedFiguresLockKey());
    }
  }

  private async compute(now: number): Promise<QueriedFigures> {
    const { admin } = this.app.repos;
    const tz = this.config.im.user.timezone;
    const offset = parseOffset(tz) * 60_000;
    const startOfToday = Math.floor((now + offset) / DAY_MS) * DAY_MS - offset;
    const firstMinute = (Math.floor(now / 60_000) - 59) * 60_000;
    const [ roles, groups, today, perMinute, pastDays ] = await Promise.all([
      admin.countUsersByRole(),
      admin.countGroups(),
      admin.countRegistrations(new Date(startOfToday), new Date(now + 60_000)),
      admin.registrationsPerMinute(new Date(firstMinute)),
      this.pastDays(startOfToday, tz),
    ]);
    const byRole = new Map(roles.map(row => [ row.role, Number(row.n) ]));
    const minuteIndex = new Map(perMinute.map(row => [ Number(row.bucket), Number(row.n) ]));
    return {
      at: now,
      users: byRole.get('user') ?? 0,
      visitors: byRole.get('visitor') ?? 0,
      groups,
      registrationsToday: today,
      registrationsPerMinute: Array.from({ length: 60 }, (_, i) => minuteIndex.get(firstMinute / 60_000 + i) ?? 0),
      registrationsPerDay: [ ...pastDays, today ],
    };
  }

  /** Registrations of the 29 days before today: each counted once, then read from Redis. */
  private async pastDays(startOfToday: number, tz: string): Promise<number[]> {
    const { redis } = this.app;
    const starts = Array.from({ length: 29 }, (_, i) => startOfToday - (29 - i) * DAY_MS);
    const keys = starts.map(start => registrationsDayKey(dayAt(start, tz)));
    const cached = await redis.mget(...keys);
    return Promise.all(starts.map(async (start, i) => {
      if (cached[i] !== null) return Number(cached[i]);
      const n = await this.app.repos.admin.countRegistrations(new Date(start), new Date(start + DAY_MS));
      await redis.set(keys[i], String(n), 'EX', 32 * 86400);
      return n;
    }));
  }
}
