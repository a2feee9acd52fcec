// README "Metrics": one scrape, every worker. egg-cluster runs several app workers and a request
// reaches one of them. That worker asks the agent for the pids of the app workers listening now
// (the master tells the agent on every start and exit: a restarted worker is asked under its new
// pid, a dead one is no longer waited for), asks each of them for its registry over Egg's
// messenger, waits for the answers up to METRICS_COLLECT_TIMEOUT_MS, and adds them up with
// prom-client's AggregatorRegistry.aggregate (counters and histograms summed, per label set).
// `im_metrics_workers{state}` says how many answered, so a partial scrape shows as one.
import cluster from 'node:cluster';
import { randomUUID } from 'node:crypto';
import type { BlockList } from 'node:net';
import type { Application } from 'egg';
import { AggregatorRegistry, Gauge, MetricObjectWithValues, MetricValue, Registry } from 'prom-client';
import { allowList } from './access';
import { ASK_METRICS, ASK_PIDS, METRICS, PIDS } from './messages';
import { registry } from './registry';

type Metrics = Array<MetricObjectWithValues<MetricValue<string>>>;
type Redis = Application['redis'];

/** Cluster-wide values, set by the worker that serves the scrape (never summed over workers). */
const clusterRegistry = new Registry();
const workers = new Gauge({
  name: 'im_metrics_workers',
  help: 'App workers in this scrape: answered, or missing (no answer within METRICS_COLLECT_TIMEOUT_MS).',
  labelNames: [ 'state' ] as const,
  registers: [ clusterRegistry ],
});
const inboxWaiting = new Gauge({
  name: 'im_inbox_entries_waiting',
  help: 'Inbox entries kept in Redis, every user: those some device has not confirmed, plus at most the last confirmed one per inbox. Sampled at most every METRICS_INBOX_CACHE_MS.',
  registers: [ clusterRegistry ],
});

export class ClusterMetrics {
  /** Answers awaited, by `<action> <request id>`. */
  private readonly waiting: Map<string, (message: any) => void> = new Map();
  private inboxSample?: { at: number; running?: Promise<void> };
  /** METRICS_ALLOW_IPS, parsed once per list (config.default.ts already refused a malformed one). */
  private parsed?: { from: string[]; list: BlockList };

  constructor(private readonly app: Application) {
    const { messenger } = app;
    messenger.on(ASK_METRICS, ({ id, from }: { id: string; from: number }) => {
      registry.getMetricsAsJSON().then(
        metrics => messenger.sendTo(from, METRICS, { id, pid: process.pid, metrics }),
        err => app.coreLogger.warn('[metrics] registry not read: %s', err.message));
    });
    for (const action of [ PIDS, METRICS ]) messenger.on(action, (message: { id: string }) => this.waiting.get(`${action} ${message.id}`)?.(message));
  }

  private get settings() {
    return this.app.config.im.metrics;
  }

  get allowList(): BlockList {
    const { allowIps } = this.settings;
    if (this.parsed?.from !== allowIps) this.parsed = { from: allowIps, list: allowList(allowIps) };
    return this.parsed.list;
  }

  /** The metrics of every worker, aggregated, in Prometheus text format. */
  async scrape(): Promise<{ contentType: string; text: string }> {
    const [ pids, own ] = await Promise.all([ this.workerPids(), registry.getMetricsAsJSON(), this.sampleInbox() ]);
    const others = pids.filter(pid => pid !== process.pid);
    const answers = await this.collect(others);
    workers.set({ state: 'answered' }, answers.length + 1);
    workers.set({ state: 'missing' }, others.length - answers.length);
    const all = [ own, ...answers, await clusterRegistry.getMetricsAsJSON() ] as Metrics[];
    const aggregated = AggregatorRegistry.aggregate(all);
    return { contentType: aggregated.contentType, text: await aggregated.metrics() };
  }

  /** Sends `ask` and resolves with the answers received until `done` says so or the time is up. */
  private gather<T>(action: string, ask: (id: string) => void, done: (answers: T[]) => boolean): Promise<T[]> {
    const id = randomUUID();
    const answers: T[] = [];
    return new Promise(resolve => {
      let timer: NodeJS.Timeout | undefined;
      const finish = () => {
        clearTimeout(timer);
        this.waiting.delete(`${action} ${id}`);
        resolve(answers);
      };
      timer = setTimeout(finish, this.settings.collectTimeoutMs);
      this.waiting.set(`${action} ${id}`, message => {
        answers.push(message);
        if (done(answers)) finish();
      });
      ask(id);
      if (done(answers)) finish();
    });
  }

  /** The listening app workers (none known when the agent does not answer, or outside egg-cluster). */
  private async workerPids(): Promise<number[]> {
    if (!cluster.isWorker) return []; // egg-mock, or a single process: this worker is the only one
    const answers = await this.gather<{ pids: number[] }>(PIDS,
      id => this.app.messenger.sendToAgent(ASK_PIDS, { id, from: process.pid }), got => got.length > 0);
    return (answers[0]?.pids ?? []).map(Number);
  }

  private async collect(pids: number[]): Promise<Metrics[]> {
    const expected = new Set(pids);
    const answers = await this.gather<{ pid: number; metrics: Metrics }>(METRICS, id => {
      for (const pid of pids) this.app.messenger.sendTo(pid as any, ASK_METRICS, { id, from: process.pid });
    }, got => got.filter(answer => expected.has(answer.pid)).length >= expected.size);
    const seen = new Set<number>();
    return answers.filter(answer => expected.has(answer.pid) && !seen.has(answer.pid) && seen.add(answer.pid)).map(answer => answer.metrics);
  }

  /** Refreshes the inbox gauge when its sample is older than METRICS_INBOX_CACHE_MS; a failed sample keeps the last value. */
  private async sampleInbox() {
    const now = Date.now();
    if (this.inboxSample?.running) return this.inboxSample.running;
    if (this.inboxSample && now - this.inboxSample.at < this.settings.inboxCacheMs) return;
    const running = countInboxEntries(this.app.redis).then(
      total => { inboxWaiting.set(total); },
      err => { this.app.coreLogger.warn('[metrics] inbox sample failed: %s', err.message); });
    this.inboxSample = { at: now, running };
    await running;
    this.inboxSample = { at: now };
  }
}

/**
 * Entries in every inbox (SCAN of `im:inbox:*`, XLEN of each, 1,000 keys a round trip). A device's
 * confirmation trims its user's inbox to the oldest cursor of the user's active devices (that
 * entry itself stays), so what is kept is what some device has not confirmed yet, plus at most
 * one confirmed entry per inbox; for a user with no active device, what waits for the next
 * login (up to INBOX_MAX and INBOX_TTL).
 */
export async function countInboxEntries(redis: Redis): Promise<number> {
  const nodes: Redis[] = typeof (redis as any).nodes === 'function' ? (redis as any).nodes('master') : [ redis ];
  let total = 0;
  for (const node of nodes) {
    let cursor = '0';
    do {
      // The pattern of inboxKey (app/lib/messaging/keys.ts).
      const [ next, keys ] = await node.scan(cursor, 'MATCH', 'im:inbox:*', 'COUNT', 1000);
      cursor = next;
      if (!keys.length) continue;
      const lengths = await node.pipeline(keys.map(key => [ 'xlen', key ])).exec();
      for (const [ err, length ] of lengths ?? []) if (!err) total += Number(length);
    } while (cursor !== '0');
  }
  return total;
}

const byApp = new WeakMap<Application, ClusterMetrics>();

/** This app's collector, created once (app.ts creates it at boot, so every worker answers). */
export function clusterMetrics(app: Application): ClusterMetrics {
  let metrics = byApp.get(app);
  if (!metrics) byApp.set(app, metrics = new ClusterMetrics(app));
  return metrics;
}
