import { Context } from 'egg';
import { TokenInvalidError, TokenMissingError, UserDisabledError } from '../lib/errors';

/** CONTRACT: the `token` header, or `Authorization: Bearer <jwt>`. */
function readToken(ctx: Context): string | undefined {
  const header = ctx.get('token');
  if (header) return header.trim();
  const match = /^Bearer\s+(\S+)\s*$/i.exec(ctx.get('authorization'));
  return match?.[1];
}

/**
 * CONTRACT: every route under /api/chat. The token verifies, its session is still in Redis,
 * and its user still exists and is enabled: one Redis round trip and one primary-key lookup,
 * run side by side.
 */
export default () => async function auth(ctx: Context, next: () => Promise<void>) {
  const token = readToken(ctx);
  if (!token) throw new TokenMissingError();
  const claims = ctx.service.session.decode(token);
  const [ live, user ] = await Promise.all([
    ctx.service.session.isLive(claims),
    ctx.service.account.user.findStanding(claims.id),
  ]);
  if (!live || !user || user.is_deleted) throw new TokenInvalidError();
  if (user.status !== 1) throw new UserDisabledError();
  ctx.state.session = claims;
  // The role as stored now (the gate of app/middleware/usersOnly.ts), not as the token says.
  ctx.state.role = user.role;
  await next();
};
