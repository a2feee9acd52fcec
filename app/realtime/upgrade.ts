import { IncomingMessage, STATUS_CODES, Server, ServerResponse } from 'node:http';
import { Duplex } from 'node:stream';
import { Application, Context } from 'egg';
import { ApiError, NotFoundError, ServiceUnavailableError } from '../lib/errors';
import { terminalDisconnectFor } from '../lib/messaging/disconnects';
import { SAFE_REQUEST_ID } from '../middleware/accessLog';
import { authenticate, readToken } from '../middleware/auth';
import { toApiError } from '../middleware/errorHandler';
import { countRefusedHandshake } from '../lib/metrics/registry';
import type { Hub } from './hub';

// Module-level on purpose: a closure created inside handleUpgrade would share its scope with
// the ones that use `ctx`, and a listener living as long as the socket would keep the whole
// handshake context (request, response, services) alive: ~8 KB per idle socket.
const ignore = () => undefined;

/** An HTTP answer in the envelope on the raw socket, instead of the upgrade. */
function refuse(ctx: Context, socket: Duplex, error: ApiError) {
  const translate = ctx.__ as unknown as (key: string, params: object) => string;
  const body = JSON.stringify({ msg: 'fail', data: translate.call(ctx, error.key, error.params) });
  const headers = { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': String(Buffer.byteLength(body)), Connection: 'close', ...error.headers };
  socket.end(`HTTP/1.1 ${error.status} ${STATUS_CODES[error.status]}\r\n` +
    `${Object.entries(headers).map(([ name, value ]) => `${name}: ${value}`).join('\r\n')}\r\n\r\n${body}`);
}

/**
 * CONTRACT §1, the handshake of `/ws?token=` (also the `token` header and `Authorization:
 * Bearer`). In order: other paths 404; more than WS_CONNECT_LIMIT_IP attempts per IP per minute
 * 429 (counted before the token; CONTRACT-client-behaviour §2: over the limit, a handshake whose
 * token names a live session still passes: the course client answers a refused handshake with
 * two more, so a 429 would feed its reconnect storm, and a session's sockets are bounded by
 * WS_MAX_PER_SESSION); a dependency down or the process full 503; then the HTTP check of the
 * token, its session and its user. A failed check still completes the handshake
 * and gets the fail frame and a close code: a browser cannot read the status of a refused one.
 */
export async function handleUpgrade(app: Application, hub: Hub, req: IncomingMessage, socket: Duplex, head: Buffer) {
  const started = process.hrtime.bigint();
  const ctx = app.createContext(req, new ServerResponse(req)) as unknown as Context;
  const url = new URL(req.url ?? '/', 'http://localhost');
  const requestId = SAFE_REQUEST_ID.test(ctx.get('x-request-id')) ? ctx.get('x-request-id') : '-';
  const log = (status: number, uid: number | string = '-') => {
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    app.getLogger('accessLogger').info('GET %s %d %sms rid=%s ip=%s uid=%s', url.pathname, status, ms.toFixed(1), requestId, ctx.ip, uid);
  };
  socket.on('error', ignore);

  let auth: Awaited<ReturnType<typeof authenticate>>;
  try {
    if (url.pathname !== '/ws') throw new NotFoundError();
    const { messaging, rateLimit } = app.config.im;
    const token = url.searchParams.get('token') || readToken(ctx);
    let limited: unknown;
    await ctx.service.rateLimit.take([{ key: `${rateLimit.keyPrefix}{${ctx.clientIp ?? 'unknown'}}:ws`, limit: messaging.wsConnectLimitIp, windowSeconds: 60 }])
      .catch(err => { limited = err; });
    if (!limited && (!hub.healthy || hub.full)) throw new ServiceUnavailableError();
    auth = await authenticate(ctx, token).catch(err => { throw limited ?? err; });
    if (limited && (!hub.healthy || hub.full)) throw new ServiceUnavailableError();
  } catch (err) {
    const error = toApiError(err);
    countRefusedHandshake(error.key);
    if (error.status !== 401 && error.status !== 403) {
      log(error.status);
      return refuse(ctx, socket, error);
    }
    hub.wss.handleUpgrade(req, socket, head, ws => {
      log(101);
      const translate = ctx.__ as unknown as (key: string) => string;
      ws.on('error', ignore);
      ws.send(JSON.stringify({ msg: 'fail', data: translate.call(ctx, error.key) }));
      ws.close(terminalDisconnectFor(error.key).code); // CONTRACT §1: the code of the failed check
    });
    return;
  }
  const { claims } = auth;
  hub.wss.handleUpgrade(req, socket, head, ws => {
    log(101, claims.id);
    hub.accept(ws, claims.id, claims.sid, claims.exp, ctx.locale).catch(() => ws.terminate());
  });
}

/** The hub takes the WebSocket upgrades of this HTTP server. */
export function attachUpgrade(app: Application, hub: Hub, server: Server) {
  server.on('upgrade', (req, socket, head) => {
    handleUpgrade(app, hub, req, socket, head).catch(err => {
      hub.warn('[messaging] handshake failed: %s', err.message);
      socket.destroy();
    });
  });
}
