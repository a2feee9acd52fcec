import { Context } from 'egg';

/**
 * A JSON or form body must arrive within im.http.bodyTimeoutMs of the headers: a client that
 * trickles it gets 408 in the envelope and the connection is closed. The parser reading the body
 * sees an error with status 408 (errorHandler maps it). Multipart uploads are bounded by the
 * server's requestTimeout instead (a large file on a slow link may take longer).
 */
export default () => async function bodyTimeout(ctx: Context, next: () => Promise<void>) {
  const { req } = ctx;
  const hasBody = Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
  if (!hasBody || req.complete || ctx.is('multipart/form-data')) return next();
  const timer = setTimeout(() => {
    if (req.complete) return;
    ctx.set('Connection', 'close');
    const err = Object.assign(new Error('request body timeout'), { status: 408, expose: true });
    // Only a reader listens for errors; with none (a route that ignores its body) nothing waits.
    if (req.listenerCount('error') > 0) req.emit('error', err);
  }, ctx.app.config.im.http.bodyTimeoutMs);
  const clear = () => clearTimeout(timer);
  req.once('end', clear);
  req.once('close', clear);
  try {
    await next();
  } finally {
    clear();
  }
};
