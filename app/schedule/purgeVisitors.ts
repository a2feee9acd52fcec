import { Application, Context } from 'egg';

// Daily purge of idle visitors (README "Visitor mode"). type 'worker': one worker of each Egg
// cluster runs it; several hosts may run it at once (see PurgeService.idleVisitors).
export default (app: Application) => ({
  schedule: {
    cron: '0 30 4 * * *',
    type: 'worker',
    // VISITOR_RETENTION_DAYS=0 keeps visitors. Tests run the task through app.runSchedule().
    disable: app.config.im.visitors.retentionDays === 0 || app.config.env === 'unittest',
  },
  async task(ctx: Context) {
    await ctx.service.visitors.purge.idleVisitors();
  },
});
