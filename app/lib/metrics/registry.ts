// README "Metrics": what this process counts. One registry per process, created on first import;
// app/lib/metrics/cluster.ts adds up the registries of every worker when /metrics is scraped.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { dependencyOf } from '../dependencyErrors';
import { disconnectOf } from '../messaging/disconnects';

export const registry = new Registry();
collectDefaultMetrics({ register: registry });

export const httpRequests = new Counter({
  name: 'im_http_requests_total',
  help: 'HTTP requests answered, by method, route pattern (never the raw path) and status.',
  labelNames: [ 'method', 'route', 'status' ] as const,
  registers: [ registry ],
});

export const httpDuration = new Histogram({
  name: 'im_http_request_duration_seconds',
  help: 'Time from receiving an HTTP request to its answer, by method and route pattern.',
  labelNames: [ 'method', 'route' ] as const,
  buckets: [ 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10 ],
  registers: [ registry ],
});

export const openSockets = new Gauge({
  name: 'im_websocket_open_sockets',
  help: 'WebSockets open (accepted and not yet closed).',
  registers: [ registry ],
});

export const handshakesRefused = new Counter({
  name: 'im_websocket_handshakes_refused_total',
  help: 'WebSocket handshakes refused, by reason (an HTTP answer, or a fail frame and close code).',
  labelNames: [ 'reason' ] as const,
  registers: [ registry ],
});

export const disconnects = new Counter({
  name: 'im_websocket_disconnects_total',
  help: 'Accepted WebSockets closed, by close code and its reason (codes outside the table count as "other").',
  labelNames: [ 'code', 'reason' ] as const,
  registers: [ registry ],
});

export const messagesStored = new Counter({
  name: 'im_messages_stored_total',
  help: 'Messages committed to MySQL (sends and system notices).',
  registers: [ registry ],
});

export const framesDelivered = new Counter({
  name: 'im_frames_delivered_total',
  help: 'Message frames (messages, sync copies, revokes, notices) written to sockets.',
  registers: [ registry ],
});

export const dependencyErrors = new Counter({
  name: 'im_dependency_errors_total',
  help: 'Requests that failed on a MySQL or Redis error, by dependency.',
  labelNames: [ 'dependency' ] as const,
  registers: [ registry ],
});

export const rateLimitRefusals = new Counter({
  name: 'im_rate_limit_refusals_total',
  help: 'Attempts refused by a rate limit (429), by limit.',
  labelNames: [ 'limit' ] as const,
  registers: [ registry ],
});

/** A closed socket, labelled by the disconnect table (app/lib/messaging/disconnects.ts); the client may send any code, so others are "other". */
export function countDisconnect(code: number) {
  const known = disconnectOf(code);
  disconnects.inc(known ? { code: String(code), reason: known.reason } : { code: 'other', reason: 'other' });
}

/** A refused handshake: its error's text key names the reason (`error.rateLimited` -> rateLimited). */
export function countRefusedHandshake(key: string) {
  handshakesRefused.inc({ reason: key.replace(/^error\./, '') });
}

/**
 * A rate-limit refusal, named by its buckets' names: the part after the hash tag up to the first
 * colon (`im:rl:{1.2.3.4}:login:alice` -> login), never the IP, user or username.
 */
export function countRateLimited(keys: string[]) {
  const names = new Set(keys.map(key => /\}:([^:]*)/.exec(key)?.[1] ?? 'other'));
  rateLimitRefusals.inc({ limit: [ ...names ].sort().join('+') });
}

/** An HTTP answer; `route` is the router's pattern (`/api/chat/history/:user_id`), "unmatched" for no route. */
export function countRequest(method: string, route: string | undefined, status: number, seconds: number) {
  const pattern = route ?? 'unmatched';
  httpRequests.inc({ method, route: pattern, status: String(status) });
  httpDuration.observe({ method, route: pattern }, seconds);
}

export function countDependencyError(err: unknown) {
  const dependency = dependencyOf(err);
  if (dependency) dependencyErrors.inc({ dependency });
}
