import { Context } from 'egg';
import { ApiError, InternalError, MalformedBodyError, NotFoundError, PayloadTooLargeError, RequestTimeoutError, ServiceUnavailableError } from '../lib/errors';
import { validationError } from '../lib/rules';

const UNAVAILABLE = /^(Sequelize(Connection\w*|HostNotFound|HostNotReachable|AccessDenied|InvalidConnection)Error|ConnectionAcquireTimeoutError|MaxRetriesPerRequestError|AbortError)$/;

// Network-level codes, on the error itself or (Sequelize) on the driver error it wraps.
const NETWORK_CODES = /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|EHOSTUNREACH|ENOTFOUND|PROTOCOL_CONNECTION_LOST|PROTOCOL_SEQUENCE_TIMEOUT)$/;

function isUnavailable(err: any): boolean {
  if (UNAVAILABLE.test(err?.name ?? '')) return true;
  if ([ err, err?.parent, err?.original ].some(e => NETWORK_CODES.test(e?.code ?? ''))) return true;
  // ioredis while disconnected (offline queue off) or after a command timeout; mysql2 when
  // the server went away mid-query or a pooled connection was already closed.
  return /Stream isn't writeable|Connection is closed|Command timed out|ECONNREFUSED|ETIMEDOUT|Connection lost|connection is in closed state/
    .test(err?.message ?? '');
}

/** Turns anything thrown below into the contract's envelope and status. */
export function toApiError(err: any): ApiError {
  if (err instanceof ApiError) return err;
  // egg-security refuses directory-traversal paths with a bare 400 before routing; to the
  // contract that is an unknown route. (Its TRACE refusal is off in config.default.ts.)
  if (err?.name === 'BadRequestError' && !err.type) return new NotFoundError();
  if (err?.code === 'invalid_param' && Array.isArray(err.errors)) return validationError(err.errors);
  if (err?.type === 'entity.too.large' || err?.status === 413) return new PayloadTooLargeError();
  // app/middleware/bodyTimeout.ts: the body did not arrive in time.
  if (err?.status === 408) return new RequestTimeoutError();
  // body-parser: unparsable JSON / form, or a charset it does not know.
  if (err?.status === 400 || err?.status === 415) return new MalformedBodyError();
  if (isUnavailable(err)) return new ServiceUnavailableError();
  return new InternalError();
}

export default () => async function errorHandler(ctx: Context, next: () => Promise<void>) {
  try {
    await next();
  } catch (err: any) {
    const error = toApiError(err);
    if (error.status >= 500) {
      // Name and message only: no stack with paths, no SQL, no request body.
      ctx.logger.error('[errorHandler] %s %s -> %d %s: %s', ctx.method, ctx.path, error.status, err?.name, err?.message);
    }
    ctx.fail(error);
  }
};
