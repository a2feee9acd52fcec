import { Controller } from 'egg';
import { RangeNotSatisfiableError } from '../../lib/files/errors';
import { CONTENT_TYPES } from '../../lib/files/kinds';
import { PUBLIC_PREFIX } from '../../lib/files/keys';
import { parseRange } from '../../lib/files/range';

// CONTRACT (files, serving): what a stored file is answered with. The sandbox CSP keeps a file
// that a browser opens directly from running anything; `*` lets an H5 canvas read images.
const HEADERS = {
  'Content-Security-Policy': 'default-src \'none\'; sandbox',
  'X-Content-Type-Options': 'nosniff',
  'Cache-Control': 'public, max-age=31536000, immutable',
  'Access-Control-Allow-Origin': '*',
  'Accept-Ranges': 'bytes',
};

export default class ServeController extends Controller {
  /** GET (and HEAD) /public/uploads/{key}. */
  async show() {
    const { ctx } = this;
    const file = await ctx.service.files.serve.open(ctx.path.slice(PUBLIC_PREFIX.length));
    const range = parseRange(ctx.get('range'), file.size);
    if (range.status === 416 || ctx.method === 'HEAD') await file.handle.close();
    if (range.status === 416) throw new RangeNotSatisfiableError(file.size);

    ctx.set(HEADERS);
    ctx.set('Last-Modified', file.modified.toUTCString());
    ctx.type = CONTENT_TYPES[file.ext];
    const [ start, end ] = range.status === 206 ? [ range.start, range.end ] : [ 0, file.size - 1 ];
    ctx.status = range.status;
    if (range.status === 206) ctx.set('Content-Range', `bytes ${start}-${end}/${file.size}`);
    if (ctx.method === 'HEAD') {
      // Koa sends no body for HEAD; the length is the one a GET would send.
      ctx.set('Content-Length', String(end - start + 1));
      return;
    }
    ctx.body = file.handle.createReadStream({ start, end });
    ctx.length = end - start + 1;
  }
}
