import { Context } from 'egg';
import { NotFoundError } from '../lib/errors';

/** CONTRACT: any unknown path, with any method, answers 404 in the envelope. */
export default () => async function notFound(ctx: Context, next: () => Promise<void>) {
  await next();
  if (ctx.status === 404 && ctx.body === undefined) throw new NotFoundError();
};
