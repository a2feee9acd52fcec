import { Server } from 'node:http';
import { Application, IBoot } from 'egg';
import { customRules } from './app/lib/rules';
import { OPEN_SESSION } from './app/lib/sessionScripts';

export default class AppBoot implements IBoot {
  private server?: Server;

  constructor(private readonly app: Application) {
    // egg-cluster's worker announces its HTTP server; beforeClose drains it.
    app.once('server', (server: Server) => { this.server = server; });
  }

  configWillLoad() {
    // In front of Egg's body parser, so its 413/invalid-body errors get the envelope; the
    // access log wraps it to see every final status.
    this.app.config.coreMiddleware.unshift('accessLog', 'errorHandler');
  }

  async didLoad() {
    for (const [ name, check ] of Object.entries(customRules)) this.app.validator.addRule(name, check);
    this.app.redis.defineCommand('openSession', { numberOfKeys: 1, lua: OPEN_SESSION });
  }

  /**
   * `npm stop` (SIGTERM): egg-cluster only closes the app and exits, which would cut requests
   * in flight. Stop accepting connections first and let those requests finish (bounded by
   * im.shutdown.drainMs), before the plugins close MySQL and Redis (their hooks run after this).
   */
  async beforeClose() {
    const server = this.server;
    if (!server?.listening) return;
    let timer: NodeJS.Timeout | undefined;
    const drained = new Promise<void>(resolve => server.close(() => resolve()));
    server.closeIdleConnections();
    const limit = new Promise<void>(resolve => { timer = setTimeout(resolve, this.app.config.im.shutdown.drainMs); });
    await Promise.race([ drained, limit ]);
    clearTimeout(timer);
  }
}
