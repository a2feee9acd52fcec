import { Controller } from 'egg';

/** CONTRACT-admin §4: GET /admin, the dashboard. */
export default class AdminDashboardController extends Controller {
  async show() {
    const figures = await this.ctx.service.admin.dashboard.figures();
    await this.ctx.service.admin.page.render('dashboard', { figures, chart: JSON.stringify(figures) });
  }
}
