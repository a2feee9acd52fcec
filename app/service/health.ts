import { Service } from 'egg';

export type DependencyState = 'up' | 'down';

export interface HealthReport {
  mysql: DependencyState;
  redis: DependencyState;
}

/** Resolves 'up' if the ping answers within `ms`, else 'down' (never throws, never hangs). */
async function probe(ping: () => Promise<unknown>, ms: number): Promise<DependencyState> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<DependencyState>(resolve => { timer = setTimeout(() => resolve('down'), ms); });
  const answer = ping().then(() => 'up' as const, () => 'down' as const);
  try {
    return await Promise.race([ answer, timeout ]);
  } finally {
    clearTimeout(timer);
  }
}

export default class HealthService extends Service {
  /** Pings MySQL (the primary) and Redis side by side, each time-boxed. */
  async check(): Promise<HealthReport> {
    const { app } = this;
    const { timeoutMs } = this.config.im.health;
    const [ mysql, redis ] = await Promise.all([
      probe(() => app.repos.users.ping(), timeoutMs),
      probe(() => app.redis.ping(), timeoutMs),
    ]);
    return { mysql, redis };
  }
}
