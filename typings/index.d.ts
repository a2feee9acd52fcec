import 'egg';
import 'egg-jwt';
import 'egg-redis';
import 'egg-sequelize';
import 'egg-validate';
import { Presence } from '../app/realtime/presence';
import { AdminSession } from '../app/service/admin/auth';
import { SessionClaims } from '../app/service/session';
import { ImConfig } from '../config/types';

declare module 'ioredis' {
  interface Commands {
    /** See app/lib/sessionScripts.ts. Resolves to the revoked session ids. */
    openSession(key: string, sid: string, ttlMs: number, max: number, policy: string): Promise<string[]>;
    /** See app/lib/rateLimitScripts.ts: number of keys, the keys, then limit and window ms per key. */
    rateTake(numberOfKeys: number, ...keysAndArgs: Array<string | number>): Promise<number>;
    rateRelease(numberOfKeys: number, ...keysAndArgs: string[]): Promise<number>;
    /** The set's key, the member, the limit, the window ms; 0 or the ms to wait. */
    rateTakeDistinct(numberOfKeys: number, key: string, member: string, limit: number, windowMs: number): Promise<number>;
    /** See app/lib/messaging/scripts.ts. */
    msgAppend(key: string, max: number, minId: string, ttlMs: number, ...fields: string[]): Promise<[ string, string ]>;
    msgStartCursor(key: string, sid: string, nowMs: number, ttlMs: number): Promise<string>;
    msgAckCursor(cursorKey: string, inboxKey: string, sid: string, entryId: string, nowMs: number, windowMs: number, ttlMs: number): Promise<number>;
    msgTakeHold(holdKey: string, cursorKey: string, sid: string, socketId: string, processId: string, ttlMs: number, takeOver: string): Promise<[ number, string ]>;
    msgReleaseHold(holdKey: string, sid: string, socketId: string): Promise<number>;
    msgOpenSocket(cursorKey: string, socketsKey: string, orderKey: string, sid: string, nowMs: number, ttlMs: number, socketId: string,
      maxPerSession: number, channel: string, ...liveSids: string[]): Promise<Array<string | number>>;
    msgCloseSocket(socketsKey: string, sid: string, socketId: string, channel: string): Promise<number>;
    /** See app/lib/files/quotaScripts.ts: the day's key, max files, max bytes, size, ttl ms; 1 if counted. */
    uploadReserve(key: string, maxFiles: number, maxBytes: number, size: number, ttlMs: number): Promise<number>;
    uploadRelease(key: string, size: number): Promise<number>;
    /** See app/lib/files/jobSlots.ts: the host's key, max jobs, job id, slot lifetime ms; 1 if taken. */
    takeJobSlot(key: string, maxJobs: number, job: string, ttlMs: number): Promise<number>;
  }
}

declare module 'egg' {
  /** The app's own settings, one documented section each (config/types.ts, config/sections/). */
  interface EggAppConfig {
    im: ImConfig;
  }

  interface Application {
    /** This process's reports of the console's live figures (app/realtime/presence.ts), set in app.ts once the hub runs. */
    presence?: Presence;
  }

  interface Context {
    state: {
      /** The signed-in admin of an /admin request (app/middleware/adminAuth.ts). */
      admin: AdminSession;
      /** The login form's CSRF token while it renders (app/controller/admin/session.ts). */
      loginCsrf?: string;
      session: SessionClaims;
      /** The caller's role as stored (`user` or `visitor`), set by app/middleware/auth.ts. */
      role: string;
      /** Set by app/middleware/accessLog.ts. */
      requestId: string;
      /** The user a register/login answered for (the access log's user id). */
      userId?: number;
    };
  }
}
