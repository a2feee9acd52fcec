// CONTRACT: how long a connection may take (README "Security", "Deploying"). Node's own
// defaults let a client trickle a request for 5 minutes; these bound every phase.
import { Server } from 'node:http';
import { ApiError, BadRequestError, HeadersTooLargeError, RequestTimeoutError } from './errors';

export interface HttpTimeouts {
  /** The whole request, headers and body, must arrive within this (server.requestTimeout). */
  requestTimeoutMs: number;
  /** The headers must arrive within this (server.headersTimeout). */
  headersTimeoutMs: number;
  /** An idle keep-alive connection is closed after this (server.keepAliveTimeout). */
  keepAliveTimeoutMs: number;
  /** A socket with no traffic either way is closed after this (server.setTimeout; Egg's serverTimeout). */
  idleTimeoutMs: number;
  /** A JSON or form body must arrive within this from the headers (app/middleware/bodyTimeout.ts): 408. */
  bodyTimeoutMs: number;
}

export function applyServerTimeouts(server: Server, timeouts: HttpTimeouts): void {
  server.requestTimeout = timeouts.requestTimeoutMs;
  server.headersTimeout = Math.min(timeouts.headersTimeoutMs, timeouts.requestTimeoutMs);
  server.keepAliveTimeout = timeouts.keepAliveTimeoutMs;
  server.setTimeout(timeouts.idleTimeoutMs);
}

/** The failure a connection-level error (no request object yet, or one Node gave up on) answers. */
export function clientError(err: { code?: string }): ApiError {
  if (err?.code === 'ERR_HTTP_REQUEST_TIMEOUT') return new RequestTimeoutError();
  if (err?.code === 'HPE_HEADER_OVERFLOW') return new HeadersTooLargeError();
  return new BadRequestError('error.badRequest');
}

interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * config.onClientError: what Egg writes on the raw socket for a connection-level error, as the
 * envelope (Chinese text, koa-locales' name zh-cn: no request was parsed to tell the language), and the connection closes.
 */
export function clientErrorResponse(err: { code?: string }, _socket: unknown, app: { __: (...args: any[]) => string }): RawResponse {
  const error = clientError(err);
  return {
    status: error.status,
    headers: { 'Content-Type': 'application/json; charset=utf-8', Connection: 'close', 'X-Content-Type-Options': 'nosniff' },
    body: JSON.stringify({ msg: 'fail', data: app.__('zh-cn', error.key, error.params) }),
  };
}
