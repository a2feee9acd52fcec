import { Context } from 'egg';
import { ApiError, InternalError, MalformedBodyError, NotFoundError, PayloadTooLargeError, ServiceUnavailableError, ValidationError } from '../lib/errors';

interface ParamError {
  field?: string;
  code: string;
  message: string;
}

// egg-validate's 422 -> one readable reason naming the field (rules live in app/lib/rules.ts).
function validationReason(errors: ParamError[]): string {
  const [ first ] = errors;
  if (!first.field) return '请求体必须是对象';
  if (first.code === 'missing_field') return `${first.field} 不能为空`;
  return `${first.field} ${first.message}`;
}

const UNAVAILABLE = /^(Sequelize(Connection\w*|HostNotFound|HostNotReachable|AccessDenied|InvalidConnection)Error|ConnectionAcquireTimeoutError|MaxRetriesPerRequestError|AbortError)$/;

function isUnavailable(err: any): boolean {
  if (UNAVAILABLE.test(err?.name ?? '')) return true;
  // ioredis while disconnected (offline queue off) or after a command timeout.
  return /Stream isn't writeable|Connection is closed|Command timed out|ECONNREFUSED|ETIMEDOUT/.test(err?.message ?? '');
}

/** Turns anything thrown below into the contract's envelope and status. */
function toApiError(err: any): ApiError {
  if (err instanceof ApiError) return err;
  // egg-security refuses TRACE (405) and directory-traversal paths (a bare 400) before routing;
  // to the contract both are unknown routes.
  if (err?.status === 405 || (err?.name === 'BadRequestError' && !err.type)) return new NotFoundError();
  if (err?.code === 'invalid_param' && Array.isArray(err.errors)) return new ValidationError(validationReason(err.errors));
  if (err?.type === 'entity.too.large' || err?.status === 413) return new PayloadTooLargeError();
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
