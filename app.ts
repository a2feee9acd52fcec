import { Server } from 'node:http';
import { Application, IBoot } from 'egg';
import { friendsRules } from './app/lib/friends/rules';
import { groupsRules } from './app/lib/groups/rules';
import { applyServerTimeouts } from './app/lib/httpTimeouts';
import { customRules } from './app/lib/rules';
import { visitorCustomRules } from './app/lib/visitors/rules';
import { OPEN_SESSION } from './app/lib/sessionScripts';
import { Hub, hubDeps } from './app/realtime/hub';
import { Presence } from './app/realtime/presence';
import { DEV_ADMIN_SECRET_KEY } from './config/sections/admin';
import { attachUpgrade } from './app/realtime/upgrade';
import { clusterMetrics } from './app/lib/metrics/cluster';

export default class AppBoot implements IBoot {
  // Messaging's connection layer: `ws` on each HTTP server of this worker (app/realtime/).
  private readonly hub: Hub;

  constructor(private readonly app: Application) {
    this.hub = new Hub(hubDeps(app));
  }

  configWillLoad() {
    // Outermost, in front of Egg's body parser: its 413/invalid-body errors get the envelope,
    // error responses get the security headers, and the access log sees every final status.
    this.app.config.coreMiddleware.unshift('securityHeaders', 'accessLog', 'errorHandler');
    // Right behind Egg's body parser: bodies nested deeper than im.bodyMaxDepth answer 422.
    const core = this.app.config.coreMiddleware;
    core.splice(core.indexOf('bodyParser') + 1, 0, 'bodyDepth');
    // In front of it: a JSON or form body that does not arrive in time answers 408.
    core.splice(core.indexOf('bodyParser'), 0, 'bodyTimeout');
  }

  async didLoad() {
    for (const [ name, check ] of Object.entries({ ...customRules, ...visitorCustomRules, ...friendsRules, ...groupsRules })) this.app.validator.addRule(name, check);
    this.app.redis.defineCommand('openSession', { numberOfKeys: 1, lua: OPEN_SESSION });
    this.app.on('server', (server: Server) => {
      applyServerTimeouts(server, this.app.config.im.http);
      attachUpgrade(this.app, this.hub, server);
    });
    clusterMetrics(this.app); // answers the other workers' scrapes from now on
  }

  async didReady() {
    // CONTRACT-admin §6: in production, once an admin exists, their TOTP secrets need a real key.
    if (this.app.config.env === 'prod' && this.app.config.im.admin.secretKey === DEV_ADMIN_SECRET_KEY &&
      await this.app.repos.admin.countAdmins() > 0) {
      throw new Error('ADMIN_SECRET_KEY must be set (at least 32 characters) in production once an admin exists');
    }
    this.hub.start();
    // The console's online and message figures from this process (app/realtime/presence.ts).
    const presence = new Presence(this.app, this.hub);
    this.app.presence = presence;
    presence.start();
  }

  /**
   * `npm stop` (SIGTERM): egg-cluster's worker runs the close hooks and exits, which would cut
   * requests in flight. Stop accepting connections first and let those requests finish (bounded
   * by im.shutdown.drainMs) while MySQL and Redis are still connected. Checked by
   * scripts/drain-check.js at the end of `npm test`.
   */
  async beforeClose() {
    this.app.presence?.stop();
    // Sockets are dropped (no close frame: the clients reconnect elsewhere) over half the drain time.
    const sockets = this.hub.stop(this.app.config.im.shutdown.drainMs / 2);
    // Set by egg-cluster's worker (egg-mock serves without it).
    const server = (this.app as unknown as { server: Server | null }).server;
    if (!server?.listening) return sockets;
    const started = Date.now();
    let timer: NodeJS.Timeout | undefined;
    const drained = new Promise<boolean>(resolve => server.close(() => resolve(true)));
    server.closeIdleConnections();
    const limit = new Promise<boolean>(resolve => { timer = setTimeout(() => resolve(false), this.app.config.im.shutdown.drainMs); });
    const complete = await Promise.race([ drained, limit ]);
    clearTimeout(timer);
    await sockets;
    this.app.coreLogger.info('[shutdown] %s after %d ms', complete ? 'requests in flight drained' : 'drain time limit reached', Date.now() - started);
  }
}
