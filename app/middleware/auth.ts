import { Context } from 'egg';
import { TokenInvalidError, TokenMissingError, UserDisabledError } from '../lib/errors';
import { SessionClaims } from '../service/session';

/** CONTRACT: the `token` header, or `Authorization: Bearer <jwt>`. */
export function readToken(ctx: Context): string | undefined {
  const header = ctx.get('token');
  if (header) return header.trim();
  const match = /^Bearer\s+(\S+)\s*$/i.exec(ctx.get('authorization'));
  return match?.[1];
}

/**
 * The token verifies, its session is still in Redis, and its user still exists and is enabled:
 * one Redis round trip and one primary-key lookup, run side by side. Returns the claims and the
 * role as stored. Also the WebSocket handshake's check (app/realtime/upgrade.ts).
 */
export async function authenticate(ctx: Context, token: string | undefined): Promise<{ claims: SessionClaims; role: string }> {
  if (!token) throw new TokenMissingError();
  const claims = ctx.service.session.decode(token);
  const [ live, user ] = await Promise.all([
    ctx.service.session.isLive(claims),
    ctx.service.account.user.findStanding(claims.id),
  ]);
  if (!live || !user || user.is_deleted) throw new TokenInvalidError();
  if (user.status !== 1) throw new UserDisabledError();
  return { claims, role: user.role };
}

export interface AuthOptions {
  /**
   * Also take the token from `?token=` (groupQrcode only: the client puts the URL in an
   * `<image src>`, which cannot send headers). A header still wins.
   */
  queryToken?: boolean;
}

/** CONTRACT: every route under /api/chat. */
export default (options: AuthOptions = {}) => async function auth(ctx: Context, next: () => Promise<void>) {
  let fromQuery: string | undefined;
  if (options.queryToken && 'token' in ctx.query) {
    const { token, ...rest } = ctx.query;
    fromQuery = typeof token === 'string' ? token.trim() || undefined : undefined;
    // Out of the URL, so that no log line (Egg's request prefix holds the URL) carries it.
    ctx.query = rest;
  }
  const { claims, role } = await authenticate(ctx, readToken(ctx) ?? fromQuery);
  ctx.state.session = claims;
  // The role as stored now (the gate of app/middleware/usersOnly.ts), not as the token says.
  ctx.state.role = role;
  await next();
};
