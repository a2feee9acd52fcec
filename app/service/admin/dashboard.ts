import { Service } from 'egg';
import { cachedFiguresKey, cachedFiguresLockKey, messagesDayKey, messagesMinuteKey, onlineUsersKey, processReportsKey } from '../../lib/admin/keys';
import { parseOffset } from '../../lib/time';
import { dayAt, PRESENCE_PERIOD_MS } from '../../realtime/presence';

/** Figures that cost a query: recomputed at most once a minute by one process, served from Redis meanwhile. */
export interface QueriedFigures {
  at: number;
  users: number;
  visitors: number;
  groups: number;
  registrationsToday: number;
  registrationsPerMinute: number[];
  registrationsPerDay: number[];
}

export interface Figures extends QueriedFigures {
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
 * need a query (user totals, registrations) from a cache a process refreshes at most once a
 * minute under a lock, never a COUNT(*) per view.
 */
export default class AdminDashboardService extends Service {
  async figures(): Promise<Figures> {
    const now = Date.now();
    const tz = this.config.im.user.timezone;
    const [ queried, live ] = await Promise.all([ this.queried(now), this.live(now) ]);
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

  private async queried(now: number): Promise<QueriedFigures> {
    const { redis } = this.app;
    const cached = await redis.get(cachedFiguresKey());
    const figures = cached ? JSON.parse(cached) as QueriedFigures : null;
    if (figures && now - figures.at < CACHE_MS) return figures;
    // One process recomputes; the others serve the previous figures meanwhile.
    if (figures && await redis.set(cachedFiguresLockKey(), '1', 'PX', 10_000, 'NX') !== 'OK') return figures;
    const fresh = await this.compute(now);
    await redis.set(cachedFiguresKey(), JSON.stringify(fresh), 'PX', 10 * CACHE_MS);
    await redis.del(cachedFiguresLockKey());
    return fresh;
  }

  private async compute(now: number): Promise<QueriedFigures> {
    const { admin } = this.app.repos;
    const offset = parseOffset(this.config.im.user.timezone);
    const startOfToday = Math.floor((now + offset * 60_000) / DAY_MS) * DAY_MS - offset * 60_000;
    const firstDay = startOfToday - 29 * DAY_MS;
    const firstMinute = (Math.floor(now / 60_000) - 59) * 60_000;
    const [ roles, groups, perDay, perMinute ] = await Promise.all([
      admin.countUsersByRole(),
      admin.countGroups(),
      admin.registrationsSince(new Date(firstDay), 86400, offset),
      admin.registrationsSince(new Date(firstMinute), 60, 0),
    ]);
    const byRole = new Map(roles.map(row => [ row.role, Number(row.n) ]));
    const dayIndex = new Map(perDay.map(row => [ Number(row.bucket), Number(row.n) ]));
    const minuteIndex = new Map(perMinute.map(row => [ Number(row.bucket), Number(row.n) ]));
    const firstDayBucket = Math.floor((firstDay + offset * 60_000) / DAY_MS);
    const registrationsPerDay = Array.from({ length: 30 }, (_, i) => dayIndex.get(firstDayBucket + i) ?? 0);
    const registrationsPerMinute = Array.from({ length: 60 }, (_, i) => minuteIndex.get(firstMinute / 60_000 + i) ?? 0);
    return {
      at: now,
      users: byRole.get('user') ?? 0,
      visitors: byRole.get('visitor') ?? 0,
      groups,
      registrationsToday: registrationsPerDay[29],
      registrationsPerMinute,
      registrationsPerDay,
    };
  }
}
