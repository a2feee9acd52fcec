// HTTP connections, request bodies, the health route and the shutdown drain.
import { SectionOf } from './env';

/** Timeouts of every connection (app/lib/httpTimeouts.ts, README "Security"). All in ms. */
export interface HttpSection {
  /** A whole request (headers and body, uploads too) must arrive within this; then 408. `HTTP_REQUEST_TIMEOUT_MS`, default 120000, at least 1000. */
  requestTimeoutMs: number;
  /** A request's headers must arrive within this; then 408. `HTTP_HEADERS_TIMEOUT_MS`, default 10000, at least 1000. */
  headersTimeoutMs: number;
  /** An idle keep-alive connection is closed after this. `HTTP_KEEPALIVE_TIMEOUT_MS`, default 5000, at least 1000. */
  keepAliveTimeoutMs: number;
  /** A socket silent both ways during a request is closed after this (also Egg's serverTimeout). `HTTP_IDLE_TIMEOUT_MS`, default 60000, at least 1000. */
  idleTimeoutMs: number;
  /** A JSON or form body must arrive within this after its headers; then 408. `HTTP_BODY_TIMEOUT_MS`, default 30000, at least 100. */
  bodyTimeoutMs: number;
}

export const httpSection: SectionOf<HttpSection> = ({ envInt }) => {
  return {
    requestTimeoutMs: envInt('HTTP_REQUEST_TIMEOUT_MS', 120000, 1000),
    headersTimeoutMs: envInt('HTTP_HEADERS_TIMEOUT_MS', 10000, 1000),
    keepAliveTimeoutMs: envInt('HTTP_KEEPALIVE_TIMEOUT_MS', 5000, 1000),
    idleTimeoutMs: envInt('HTTP_IDLE_TIMEOUT_MS', 60000, 1000),
    bodyTimeoutMs: envInt('HTTP_BODY_TIMEOUT_MS', 30000, 100),
  };
};

/** Request bodies. */
export interface BodySection {
  /** Deepest array/object nesting a parsed JSON or form body may have (422 beyond it). `BODY_MAX_DEPTH`, default 32, at least 2. */
  bodyMaxDepth: number;
}

export const bodySection: SectionOf<BodySection> = ({ envInt }) => {
  return { bodyMaxDepth: envInt('BODY_MAX_DEPTH', 32, 2) };
};

/** GET /api/health. */
export interface HealthSection {
  /** Each dependency's ping is cut off after this long, in ms. `HEALTH_TIMEOUT_MS`, default 2000, at least 1. */
  timeoutMs: number;
}

export const healthSection: SectionOf<HealthSection> = ({ envInt }) => {
  return { timeoutMs: envInt('HEALTH_TIMEOUT_MS', 2000, 1) };
};

/** `npm stop`. */
export interface ShutdownSection {
  /**
   * How long a stopping worker, no longer accepting connections, waits for requests in flight, in
   * ms; keep it below egg-cluster's EGG_APP_CLOSE_TIMEOUT (5000 ms), after which it kills.
   * `SHUTDOWN_DRAIN_MS`, default 4000, at least 0.
   */
  drainMs: number;
}

export const shutdownSection: SectionOf<ShutdownSection> = ({ envInt }) => {
  return { drainMs: envInt('SHUTDOWN_DRAIN_MS', 4000, 0) };
};
