import { Context } from 'egg';
import { ForbiddenError } from '../lib/errors';

/**
 * The visitor gate: routes that visitors may not use list this after `auth` in the router, so a
 * route is closed to visitors only by its own method and path (app/router/*.ts).
 */
export default () => async function usersOnly(ctx: Context, next: () => Promise<void>) {
  if (ctx.state.role === 'visitor') throw new ForbiddenError('error.visitorForbidden');
  await next();
};
