import { Application, IBoot } from 'egg';
import { customRules } from './app/lib/rules';
import { OPEN_SESSION } from './app/lib/sessionScripts';

export default class AppBoot implements IBoot {
  constructor(private readonly app: Application) {}

  configWillLoad() {
    // Outermost, in front of Egg's body parser, so its 413/invalid-body errors get the envelope
    // and error responses get the security headers too.
    this.app.config.coreMiddleware.unshift('securityHeaders', 'errorHandler');
  }

  async didLoad() {
    for (const [ name, check ] of Object.entries(customRules)) this.app.validator.addRule(name, check);
    this.app.redis.defineCommand('openSession', { numberOfKeys: 1, lua: OPEN_SESSION });
  }
}
