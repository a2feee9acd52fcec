import { Application, Context } from 'egg';
import { assertBodyDepth } from './bodyDepth';
// Egg's own body parser (koa-bodyparser), a second instance with the sendmessage limit.
// eslint-disable-next-line @typescript-eslint/no-var-requires
const bodyParser = require('koa-bodyparser');

/**
 * CONTRACT: sendmessage takes bodies up to 64 KB (every other route 16 KB). Egg's body parser
 * skips that route (config.bodyParser.ignore); this one, with the same settings and the larger
 * limit, parses it instead; the depth bound (app/middleware/bodyDepth.ts) applies as on every route.
 */
export default (_options: unknown, app: Application) => {
  const limit = app.config.im.messaging.bodyLimit;
  const parse = bodyParser({ ...app.config.bodyParser, jsonLimit: limit, formLimit: limit });
  return (ctx: Context, next: () => Promise<void>) => parse(ctx, async () => {
    assertBodyDepth(ctx);
    await next();
  });
};
