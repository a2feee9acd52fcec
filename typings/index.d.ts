import 'egg';
import 'egg-jwt';
import 'egg-redis';
import 'egg-sequelize';
import 'egg-validate';
import { SessionClaims } from '../app/service/session';

declare module 'ioredis' {
  interface Commands {
    /** See app/lib/sessionScripts.ts. Resolves to the revoked session ids. */
    openSession(key: string, sid: string, nowMs: number, expiresAtMs: number, max: number, policy: string): Promise<string[]>;
  }
}

declare module 'egg' {
  interface Context {
    state: {
      session: SessionClaims;
      /** Set by app/middleware/accessLog.ts. */
      requestId: string;
      /** The user a register/login answered for (the access log's user id). */
      userId?: number;
    };
  }
}
