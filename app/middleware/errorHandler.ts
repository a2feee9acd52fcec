import { Context } from 'egg';
import { isUnavailable } from '../lib/dependencyErrors';
import { ApiError, InternalError, MalformedBodyError, NotFoundError, PayloadTooLargeError, RequestTimeoutError, ServiceUnavailableError } from '../lib/errors';
import { countDependencyError } from '../lib/metrics/registry';
import { validationError } from '../lib/rules';

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
    countDependencyError(err);
    if (error.status >= 500) {
      // Never in the answer, and never the error's other fields (a Sequelize error's SQL and
      // bound values). An unknown failure (500) is logged with its stack, to be found and fixed;
      // a dependency failure (503) with name and message only. Name and message, then the
      // stack's frames: a Sequelize error's stack starts with a bare "Error", not its message.
      const stack = error.status === 500 && err instanceof Error ? err.stack ?? '' : '';
      const frames = stack.includes('\n    at ') ? stack.slice(stack.indexOf('\n    at ')) : '';
      ctx.logger.error('[errorHandler] %s %s -> %d %s: %s%s', ctx.method, ctx.path, error.status, err?.name, err?.message, frames);
    }
    ctx.fail(error);
  }
};
