import { randomUUID } from 'node:crypto';
import { Context } from 'egg';
import { countRequest } from '../lib/metrics/registry';

// A client's (or proxy's) id is kept only when it is short and plain, so it cannot forge log lines.
export const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;

/**
 * Request id and access log, the outermost middleware (see app.ts): X-Request-Id is taken from
 * the request or generated, returned on every answer, and one line per request goes to
 * logs/access.log. The line holds method, path (never the query string), status, duration,
 * request id, client address and user id: no header or body, so never a password or token.
 */
export default () => async function accessLog(ctx: Context, next: () => Promise<void>) {
  const started = process.hrtime.bigint();
  const given = ctx.get('x-request-id');
  const requestId = SAFE_REQUEST_ID.test(given) ? given : randomUUID();
  ctx.state.requestId = requestId;
  ctx.set('X-Request-Id', requestId);
  try {
    await next();
  } finally {
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    const userId = ctx.state.userId ?? ctx.state.session?.id ?? '-';
    ctx.app.getLogger('accessLogger').info('%s %s %d %sms rid=%s ip=%s uid=%s',
      ctx.method, ctx.path, ctx.status, ms.toFixed(1), requestId, ctx.ip, userId);
    countRequest(ctx.method, (ctx as { _matchedRoute?: string })._matchedRoute, ctx.status, ms / 1000);
  }
};
