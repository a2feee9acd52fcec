import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Controller } from 'egg';
import { NotFoundError } from '../../lib/errors';

/**
 * CONTRACT-admin §1: the console's static assets, served by the app (never a CDN): its own CSS
 * and script (app/public/admin) and the chart library from its npm package. A fixed list, read
 * once per process.
 */
const FILES: Record<string, { file: () => string; type: string }> = {
  'admin.css': { file: () => path.join(__dirname, '..', '..', 'public', 'admin', 'admin.css'), type: 'text/css; charset=utf-8' },
  'admin.js': { file: () => path.join(__dirname, '..', '..', 'public', 'admin', 'admin.js'), type: 'text/javascript; charset=utf-8' },
  // A placeholder avatar (the browser tests' users; no external request).
  'avatar.svg': { file: () => path.join(__dirname, '..', '..', 'public', 'admin', 'avatar.svg'), type: 'image/svg+xml' },
  'chart.umd.js': { file: () => path.join(path.dirname(require.resolve('chart.js')), 'chart.umd.js'), type: 'text/javascript; charset=utf-8' },
};
const cache = new Map<string, Buffer>();

export default class AdminAssetsController extends Controller {
  async show() {
    const { ctx } = this;
    const asset = Object.prototype.hasOwnProperty.call(FILES, ctx.params.name) ? FILES[ctx.params.name] : undefined;
    if (!asset) throw new NotFoundError();
    let body = cache.get(ctx.params.name);
    if (!body) cache.set(ctx.params.name, body = readFileSync(asset.file()));
    ctx.type = asset.type;
    // CONTRACT-admin §3 binds every /admin answer to `Cache-Control: no-store` (set by adminGate),
    // the assets too. No ETag: a no-store answer is never kept, so there is nothing to revalidate;
    // the bodies are read once per process and are small.
    ctx.body = body;
  }
}
