import { Server } from 'node:http';
import { Application, IBoot } from 'egg';
import { friendsRules } from './app/lib/friends/rules';
import { customRules } from './app/lib/rules';
import { OPEN_SESSION } from './app/lib/sessionScripts';

export default class AppBoot implements IBoot {
  constructor(private readonly app: Application) {}

  configWillLoad() {
    // Outermost, in front of Egg's body parser: its 413/invalid-body errors get the envelope,
    // error responses get the security headers, and the access log sees every final status.
    this.app.config.coreMiddleware.unshift('securityHeaders', 'accessLog', 'errorHandler');
  }

  async didLoad() {
    for (const [ name, check ] of Object.entries({ ...customRules, ...friendsRules })) this.app.validator.addRule(name, check);
    this.app.redis.defineCommand('openSession', { numberOfKeys: 1, lua: OPEN_SESSION });
  }

  /**
   * `npm stop` (SIGTERM): egg-cluster's worker runs the close hooks and exits, which would cut
   * requests in flight. Stop accepting connections first and let those requests finish (bounded
   * by im.shutdown.drainMs) while MySQL and Redis are still connected. Checked by
   * scripts/drain-check.js at the end of `npm test`.
   */
  async beforeClose() {
    // Set by egg-cluster's worker (egg-mock serves without it).
    const server = (this.app as unknown as { server: Server | null }).server;
    if (!server?.listening) return;
    const started = Date.now();
    let timer: NodeJS.Timeout | undefined;
    const drained = new Promise<boolean>(resolve => server.close(() => resolve(true)));
    server.closeIdleConnections();
    const limit = new Promise<boolean>(resolve => { timer = setTimeout(() => resolve(false), this.app.config.im.shutdown.drainMs); });
    const complete = await Promise.race([ drained, limit ]);
    clearTimeout(timer);
    this.app.coreLogger.info('[shutdown] %s after %d ms', complete ? 'requests in flight drained' : 'drain time limit reached', Date.now() - started);
  }
}
