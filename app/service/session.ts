import { randomBytes } from 'node:crypto';
import { Service } from 'egg';
import { TokenExpiredError, TokenInvalidError } from '../lib/errors';
import { isSessionLive } from '../lib/sessionScores';
import { sessionInfoValue } from '../lib/account/sessionInfo';
import { DISCONNECTS } from '../lib/messaging/disconnects';

/** What a token carries: enough to find the session, nothing secret. */
export interface SessionClaims {
  id: number;
  uuid: string;
  username: string;
  role: string;
  sid: string;
  iat: number;
  exp: number;
}

interface TokenSubject {
  id: number;
  uuid: string;
  username: string;
  role: string;
}

function isClaims(payload: unknown): payload is SessionClaims {
  const p = payload as Partial<SessionClaims> | null;
  return typeof p === 'object' && p !== null && Number.isSafeInteger(p.id) && typeof p.sid === 'string' &&
    typeof p.uuid === 'string' && typeof p.exp === 'number';
}

/** The `role` claim of a token whose signature has been verified. */
function roleOf(token: string): unknown {
  return (JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()) as { role?: unknown }).role;
}

// egg-jwt's app.jwt with no secret argument uses config.jwt: the secret as a KeyObject and the
// pinned algorithm (config/config.default.ts). Its typings only know the explicit-secret form.
interface ConfiguredJwt {
  sign(payload: object): string;
  verify(token: string): unknown;
}

export default class SessionService extends Service {
  private get jwt() {
    return this.app.jwt as unknown as ConfiguredJwt;
  }

  private key(userId: number) {
    return this.config.im.session.keyPrefix + userId;
  }

  /** The user's hash of each session's device and IP (app/lib/account/sessionInfo.ts). */
  infoKey(userId: number) {
    return this.config.im.session.infoKeyPrefix + userId;
  }

  /**
   * Records the new session's device and IP (the request's User-Agent and address) and drops the
   * fields of the sessions that are gone (revoked, expired); the hash lives as long as the sessions.
   */
  private async recordInfo(userId: number, sid: string, ttlMs: number): Promise<void> {
    const { redis } = this.app;
    const infoKey = this.infoKey(userId);
    // Separate commands, not one MULTI: the two keys may live on different Redis Cluster nodes.
    const [ , , fields, live ] = await Promise.all([
      redis.hset(infoKey, sid, sessionInfoValue(this.ctx.get('user-agent'), this.ctx.clientIp)),
      redis.pexpire(infoKey, ttlMs),
      redis.hkeys(infoKey),
      redis.zrange(this.key(userId), 0, -1),
    ]);
    const gone = fields.filter(field => !live.includes(field));
    if (gone.length) await redis.hdel(infoKey, ...gone);
  }

  /**
   * Opens a session for the user and returns its token. `policy` overrides SESSION_POLICY:
   * 'single' revokes every other session of the user in the same step (a visitor's upgrade).
   */
  async open(user: TokenSubject, policy: 'multi' | 'single' = this.config.im.session.policy): Promise<string> {
    const { token: tokenConfig, session } = this.config.im;
    const sid = randomBytes(16).toString('base64url');
    const iat = Math.floor(Date.now() / 1000);
    const exp = iat + tokenConfig.ttlSeconds;
    const revoked = await this.app.redis.openSession(this.key(user.id), sid, tokenConfig.ttlSeconds * 1000, session.max, policy);
    await this.recordInfo(user.id, sid, tokenConfig.ttlSeconds * 1000);
    // Messaging: the session's starting cursor is fixed now; revoked sessions' sockets close (4004).
    await this.app.broker.sessionOpened(user.id, sid, revoked);
    const claims: SessionClaims = { id: user.id, uuid: user.uuid, username: user.username, role: user.role, sid, iat, exp };
    return this.jwt.sign(claims);
  }

  /** Verifies signature and expiry; throws the contract's 401 errors. */
  decode(token: string): SessionClaims {
    let payload: unknown;
    try {
      payload = this.jwt.verify(token);
    } catch (err) {
      // CONTRACT: an expired visitor token answers the invalid-token text, the one on which the
      // app registers its visitor again. (The signature was verified before the expiry.)
      if ((err as Error).name !== 'TokenExpiredError' || roleOf(token) === 'visitor') throw new TokenInvalidError();
      throw new TokenExpiredError();
    }
    if (!isClaims(payload)) throw new TokenInvalidError();
    return payload;
  }

  /** True while the session has been neither revoked nor expired. */
  async isLive(claims: SessionClaims): Promise<boolean> {
    return isSessionLive(this.app, claims.id, claims.sid);
  }

  async revoke(claims: Pick<SessionClaims, 'id' | 'sid'>): Promise<void> {
    await Promise.all([ this.app.redis.zrem(this.key(claims.id), claims.sid), this.app.redis.hdel(this.infoKey(claims.id), claims.sid) ]);
    // Messaging: the session's sockets close (4001) on every process.
    await this.app.broker.endSessions(claims.id, [ claims.sid ], DISCONNECTS.unauthenticated.code);
  }

  /** Revokes every session of the user (a purged visitor); returns their ids. */
  async revokeAll(userId: number): Promise<string[]> {
    const sids = await this.app.redis.zrange(this.key(userId), 0, -1);
    if (sids.length) {
      await Promise.all([ this.app.redis.zrem(this.key(userId), ...sids), this.app.redis.hdel(this.infoKey(userId), ...sids) ]);
      await this.app.broker.endSessions(userId, sids, DISCONNECTS.unauthenticated.code);
    }
    return sids;
  }
}
