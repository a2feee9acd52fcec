import { Controller } from 'egg';
import { NotFoundError } from '../lib/errors';
import { scrapeAllowed } from '../lib/metrics/access';
import { clusterMetrics } from '../lib/metrics/cluster';

export default class MetricsController extends Controller {
  /** GET /metrics (README "Metrics"): every worker's metrics in Prometheus text format, to allowed scrapers only. */
  async show() {
    const { ctx, app } = this;
    const collector = clusterMetrics(app);
    const allowed = scrapeAllowed(collector.allowList, app.config.im.metrics.token, {
      ip: ctx.ip, authorization: ctx.get('authorization'), headers: ctx.headers, trustProxy: Boolean(app.config.proxy),
    });
    if (!allowed) throw new NotFoundError();
    const { contentType, text } = await collector.scrape();
    ctx.set('Cache-Control', 'no-store');
    ctx.type = contentType;
    ctx.body = text;
  }
}
