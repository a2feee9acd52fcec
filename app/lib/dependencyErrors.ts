// What a MySQL/MariaDB or Redis failure means, in one place: the checks every domain, the hub
// and the error handler use, and the one retry of a unit of work after a lock conflict.
// An error is looked at bare (mysql2, ioredis) and through what Sequelize wraps it in
// (`parent` / `original`), by code, class name and, for ioredis, message.
import { ServiceUnavailableError } from './errors';

interface Cause {
  code?: unknown;
  name?: unknown;
  message?: unknown;
}

/** The error and the driver errors it wraps (Sequelize: `parent`, `original`). */
function causes(err: unknown): Cause[] {
  if (typeof err !== 'object' || err === null) return [];
  const e = err as Cause & { parent?: Cause; original?: Cause };
  return [ e, e.parent, e.original ].filter((cause): cause is Cause => typeof cause === 'object' && cause !== null);
}

const text = (value: unknown) => (typeof value === 'string' ? value : '');
const someCause = (err: unknown, test: (cause: Cause) => boolean) => causes(err).some(test);

// MySQL/MariaDB 1213 and 1205, as mysql2 names them.
const DEADLOCK = 'ER_LOCK_DEADLOCK';
const LOCK_WAIT_TIMEOUT = 'ER_LOCK_WAIT_TIMEOUT';

/** InnoDB chose this transaction as a deadlock's victim and rolled it back (1213). */
export function isDeadlock(err: unknown): boolean {
  return someCause(err, cause => cause.code === DEADLOCK);
}

/** A deadlock or a lock wait that timed out (1205): another transaction held the rows. */
export function isLockConflict(err: unknown): boolean {
  return someCause(err, cause => cause.code === DEADLOCK || cause.code === LOCK_WAIT_TIMEOUT);
}

// Refused, reset, closed, no route or no such host: the server cannot be reached. In a code,
// or in a message (ioredis reports a refused connection as a plain Error 'connect ECONNREFUSED').
const UNREACHABLE_CODES = 'ECONNREFUSED|ECONNRESET|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|EPIPE|PROTOCOL_CONNECTION_LOST';
const UNREACHABLE = new RegExp(`^(${UNREACHABLE_CODES})$`);
// ioredis: "Connection is closed." (disconnected, no reconnect), "Stream isn't writeable and
// enableOfflineQueue options is false"; mysql2: "Connection lost: The server closed the
// connection.", "Can't add new command when connection is in closed state".
const UNREACHABLE_MESSAGE = new RegExp(`${UNREACHABLE_CODES}|Connection is closed|Stream isn't writeable|closed state|Connection lost`);
const UNREACHABLE_NAMES = new Set([ 'SequelizeConnectionRefusedError', 'SequelizeHostNotReachableError', 'SequelizeHostNotFoundError' ]);

/** The server cannot be reached (as opposed to a timeout under load). */
export function isUnreachable(err: unknown): boolean {
  return someCause(err, cause => UNREACHABLE.test(text(cause.code)) || UNREACHABLE_NAMES.has(text(cause.name)) ||
    UNREACHABLE_MESSAGE.test(text(cause.message)));
}

// mysql2's per-query `timeout` (app/lib/mysqlQueryTimeout.ts) and a connect timeout; ioredis'
// `commandTimeout`; Sequelize's pool waiting longer than `acquire` for a free connection.
const TIMEOUT_CODES = new Set([ 'PROTOCOL_SEQUENCE_TIMEOUT', 'ETIMEDOUT' ]);
const TIMEOUT_NAMES = new Set([ 'SequelizeConnectionAcquireTimeoutError', 'ConnectionAcquireTimeoutError', 'SequelizeConnectionTimedOutError' ]);
const TIMEOUT_MESSAGE = /Command timed out|ETIMEDOUT/;

/** A query, command, connect or pool wait that took too long (not a lock wait: isLockConflict). */
export function isTimeout(err: unknown): boolean {
  return someCause(err, cause => TIMEOUT_CODES.has(text(cause.code)) || TIMEOUT_NAMES.has(text(cause.name)) ||
    TIMEOUT_MESSAGE.test(text(cause.message)));
}

// Any other failure to get a connection (Sequelize ConnectionError and its kinds, denied
// access); ioredis giving up on a command after maxRetriesPerRequest reconnects, or aborting
// the commands queued on a connection that closed.
const UNAVAILABLE_NAMES = /^(Sequelize(Connection\w*|AccessDenied|InvalidConnection)Error|MaxRetriesPerRequestError|AbortError)$/;

/** MySQL or Redis cannot serve the request now: unreachable, timed out, or no connection (503). */
export function isUnavailable(err: unknown): boolean {
  return isUnreachable(err) || isTimeout(err) || someCause(err, cause => UNAVAILABLE_NAMES.test(text(cause.name)));
}

// Driver errors: mysql2 gives `sqlState`/`sqlMessage` or PROTOCOL_* codes, Sequelize wraps them
// (names Sequelize*, the driver's error as `parent`); ioredis has its own names and messages.
const REDIS_ERROR = /^(ReplyError|MaxRetriesPerRequestError|AbortError|ClusterAllFailedError)$/;
const REDIS_MESSAGE = /Stream isn't writeable|Connection is closed|Command timed out/;

/** Which dependency an error thrown below a request came from, or null. */
export function dependencyOf(err: any): 'mysql' | 'redis' | null {
  if (/^Sequelize|^ConnectionAcquireTimeoutError$/.test(err?.name ?? '') || err?.sqlState || /^PROTOCOL_/.test(err?.code ?? '')) return 'mysql';
  if (REDIS_ERROR.test(err?.name ?? '') || REDIS_MESSAGE.test(err?.message ?? '')) return 'redis';
  return null;
}

export interface RetryOptions {
  /** Further runs after the first one fails with a lock conflict. */
  retries?: number;
  /** Wait before the n-th retry: a random time up to n × this (the other transaction ends meanwhile). */
  backoffMs?: number;
}

const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms));

/**
 * Runs `work`; when it fails with a lock conflict, waits a little and runs it again, up to
 * `retries` more times, then throws ServiceUnavailableError (503). Other errors pass through.
 * `work` must be a whole transaction: InnoDB has rolled the failed one back (a deadlock) or
 * Sequelize has (a lock-wait timeout).
 */
export async function retryOnLockConflict<T>(work: () => Promise<T>, { retries = 1, backoffMs = 10 }: RetryOptions = {}): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await work();
    } catch (err) {
      if (!isLockConflict(err)) throw err;
      if (attempt >= retries) throw new ServiceUnavailableError();
    }
    if (backoffMs > 0) await sleep(Math.random() * backoffMs * (attempt + 1));
  }
}
