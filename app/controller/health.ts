import { Controller } from 'egg';
import { ServiceUnavailableError } from '../lib/errors';

export default class HealthController extends Controller {
  /**
   * GET /api/health, no auth: 200 when MySQL and Redis both answer, else 503 naming the part
   * that is down. Both answers carry the per-dependency report as `data`.
   */
  async show() {
    const { ctx } = this;
    const report = await ctx.service.health.check();
    if (report.mysql === 'up' && report.redis === 'up') ctx.ok(report);
    else ctx.fail(new ServiceUnavailableError(), report);
  }
}
