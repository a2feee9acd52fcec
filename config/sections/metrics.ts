// GET /metrics (README "Metrics").
import { allowList } from '../../app/lib/metrics/access';
import { SectionOf } from './env';

/** Who may scrape (app/lib/metrics/access.ts), how long the scraped worker waits for the others, how old the inbox sample may be. */
export interface MetricsSection {
  /** Addresses or CIDR ranges that may scrape; empty: none. A malformed entry stops the start. `METRICS_ALLOW_IPS` (comma-separated), default `127.0.0.1,::1`. */
  allowIps: string[];
  /** Bearer token that may scrape from any address; empty: none. `METRICS_TOKEN`, default empty. */
  token: string;
  /** How long the scraped worker waits for the other workers' metrics, in ms. `METRICS_COLLECT_TIMEOUT_MS`, default 1000, at least 1. */
  collectTimeoutMs: number;
  /** How long one sample of `im_inbox_entries_waiting` is reused, in ms. `METRICS_INBOX_CACHE_MS`, default 15000, at least 0. */
  inboxCacheMs: number;
}

export const metricsSection: SectionOf<MetricsSection> = ({ envInt, envString }) => {
  const section = {
    allowIps: envString('METRICS_ALLOW_IPS', '127.0.0.1,::1').split(',').map(entry => entry.trim()).filter(Boolean),
    token: envString('METRICS_TOKEN', ''),
    collectTimeoutMs: envInt('METRICS_COLLECT_TIMEOUT_MS', 1000, 1),
    inboxCacheMs: envInt('METRICS_INBOX_CACHE_MS', 15000, 0),
  };
  allowList(section.allowIps); // a malformed METRICS_ALLOW_IPS stops the start
  return section;
};
