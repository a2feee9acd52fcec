import { Context } from 'egg';
import { nestingDepth } from '../lib/bodyDepth';
import { ValidationError } from '../lib/errors';

/** 422 for a parsed body nested deeper than im.bodyMaxDepth (checked right after each body parser). */
export function assertBodyDepth(ctx: Context): void {
  const max = ctx.app.config.im.bodyMaxDepth;
  if (nestingDepth(ctx.request.body, max) > max) throw new ValidationError('validation.bodyTooDeep', { max });
}

export default () => async function bodyDepth(ctx: Context, next: () => Promise<void>) {
  assertBodyDepth(ctx);
  await next();
};
