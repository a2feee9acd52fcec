// The session check's ZSCORE, on every authenticated request (README "Performance"). Those of
// one turn of the event loop go out as one pipeline, one socket write (app/lib/redisTurn.ts).
import { Application } from 'egg';
import { turnCommand } from './redisTurn';

/** ZSCORE key member, sent with the other commands of this turn (on the app's client, whatever it is now). */
export function sessionScore(app: Application, key: string, member: string): Promise<string | null> {
  return turnCommand<string | null>(app.redis, 'zscore', key, member);
}

/**
 * True while the user's session `sid` has been neither revoked nor expired (its score is when it
 * opened, in µs). The one liveness check of the HTTP auth (app/service/session.ts) and the sockets.
 */
export async function isSessionLive(app: Application, uid: number, sid: string): Promise<boolean> {
  const openedAtMicros = await sessionScore(app, app.config.im.session.keyPrefix + uid, sid);
  const ttlMs = app.config.im.token.ttlSeconds * 1000;
  return openedAtMicros !== null && Number(openedAtMicros) / 1000 + ttlMs > Date.now();
}
