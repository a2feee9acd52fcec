import { randomBytes, timingSafeEqual } from 'node:crypto';
import { Service } from 'egg';
import { BadCredentialsError, RateLimitedError } from '../../lib/errors';
import { hashPassword, PasswordConfig, spendVerifyWork, verifyPassword } from '../../lib/account/password';
import { adminSessionsKey, loginFailAccountKey, loginFailIpKey, sessionKey, totpUsedKey } from '../../lib/admin/keys';
import { AdminRole } from '../../lib/admin/roles';
import { open, seal } from '../../lib/admin/secretBox';
import { TOTP_PERIOD, totpStep } from '../../lib/admin/totp';
import { AdminRow } from '../../repository/admin';

/** The signed-in admin of a request (ctx.state.admin). */
export interface AdminSession {
  sid: string;
  id: number;
  username: string;
  role: AdminRole;
  /** 2FA enrolled. */
  enrolled: boolean;
  csrf: string;
  /** The secret being enrolled (sealed), if any. */
  pending: string | null;
  /** A one-time notice for the next page (post/redirect/get). */
  notice: string | null;
}

export const SESSION_COOKIE = 'admin_sid';

/**
 * CONTRACT-admin §3: admin login and sessions. A session is a random id in the `admin_sid`
 * cookie and a hash in Redis, ended by idle time (the key's TTL, pushed on by each request) and
 * by its absolute lifetime (its start, kept in the hash).
 */
export default class AdminAuthService extends Service {
  private get settings() {
    return this.config.im.admin;
  }

  hashing(): PasswordConfig {
    return { ...this.config.im.password, owner: this.ctx.ip };
  }

  /**
   * Checks name, password and (when enrolled) the code under the login limits; returns the admin.
   * Every failure is the same 400 text with the same work done (an unknown name spends a hash).
   */
  async login(username: string, password: string, otp: string | undefined): Promise<AdminRow> {
    const { redis } = this.app;
    const { keyPrefix, loginLimitAccount, loginLimitIp, loginWindow } = this.settings;
    const ip = this.ctx.clientIp ?? 'unknown';
    const accountKey = loginFailAccountKey(keyPrefix, username);
    const ipKey = loginFailIpKey(keyPrefix, ip);
    const [ accountFails, ipFails ] = (await Promise.all([ redis.get(accountKey), redis.get(ipKey) ])).map(Number);
    if (accountFails >= loginLimitAccount || ipFails >= loginLimitIp) {
      const ttls = await Promise.all([ accountFails >= loginLimitAccount ? redis.ttl(accountKey) : 0, ipFails >= loginLimitIp ? redis.ttl(ipKey) : 0 ]);
      const admin = await this.app.repos.admin.findAdminByName(username);
      await this.ctx.service.admin.audit.record({ action: 'login.fail', adminId: admin?.id ?? null, targetType: 'admin', targetId: admin?.id ?? null,
        detail: admin ? { username, refused: 429 } : { unknownName: true, refused: 429 } });
      throw new RateLimitedError(Math.max(1, ...ttls));
    }
    const admin = await this.app.repos.admin.findAdminByName(username);
    let ok = false;
    if (!admin) {
      await spendVerifyWork(password, this.hashing());
    } else {
      ok = (await verifyPassword(password, admin.password_hash, this.hashing())).ok && admin.status === 1;
      if (ok && admin.totp_secret) ok = await this.acceptCode(admin, otp);
    }
    if (!ok || !admin) {
      // Fixed windows from the first failure; one transaction per key (on Redis Cluster the two may live apart).
      await Promise.all([ accountKey, ipKey ].map(key => redis.multi().set(key, 0, 'EX', loginWindow, 'NX').incr(key).exec()));
      await this.ctx.service.admin.audit.record({ action: 'login.fail', adminId: admin?.id ?? null, targetType: 'admin', targetId: admin?.id ?? null,
        // The name only when it is an admin's: a password typed into the name field is never kept.
        detail: admin ? { username } : { unknownName: true } });
      throw new BadCredentialsError();
    }
    return admin;
  }

  /** A valid code of the admin's secret, never used before (CONTRACT-admin §3: a code is accepted once). */
  async acceptCode(admin: Pick<AdminRow, 'id' | 'totp_secret'>, otp: unknown, sealed = admin.totp_secret): Promise<boolean> {
    const secret = sealed ? open(sealed, this.settings.secretKey) : null;
    if (!secret) return false;
    const step = totpStep(secret, otp);
    if (step === null) return false;
    // The step's key outlives the window in which its code is valid.
    const fresh = await this.app.redis.set(totpUsedKey(this.settings.keyPrefix, admin.id, step), '1', 'EX', TOTP_PERIOD * 4, 'NX');
    return fresh === 'OK';
  }

  /** Opens a session (a new id: never one the browser brought) and records the login. */
  async openSession(admin: AdminRow): Promise<string> {
    const sid = randomBytes(24).toString('base64url');
    const now = Date.now();
    const key = sessionKey(this.settings.keyPrefix, sid);
    const listKey = adminSessionsKey(this.settings.keyPrefix, admin.id);
    // Two keys, two transactions (Redis Cluster): the list only serves ending every session of an admin.
    await Promise.all([
      this.app.redis.multi().hset(key, 'a', String(admin.id), 'c', randomBytes(24).toString('base64url'), 't', String(now))
        .pexpire(key, this.settings.idleMinutes * 60_000).exec(),
      this.app.redis.multi().sadd(listKey, sid).pexpire(listKey, this.settings.sessionHours * 3600_000).exec(),
    ]);
    await this.app.model.transaction(async transaction => {
      await this.app.repos.admin.saveAdmin(admin.id, { last_login: new Date(now), last_login_ip: this.ctx.clientIp }, transaction);
      await this.ctx.service.admin.audit.record({ action: 'login.ok', adminId: admin.id, targetType: 'admin', targetId: admin.id }, transaction);
    });
    return sid;
  }

  /**
   * The session of this id, if live: idle and absolute expiry checked, the idle time pushed on,
   * the admin re-read (a disabled admin has no session). Null otherwise.
   */
  async resume(sid: string | undefined): Promise<AdminSession | null> {
    if (!sid || !/^[A-Za-z0-9_-]{16,64}$/.test(sid)) return null;
    const { keyPrefix, idleMinutes, sessionHours } = this.settings;
    const key = sessionKey(keyPrefix, sid);
    const state = await this.app.redis.hgetall(key);
    if (!state.a) return null;
    const left = Number(state.t) + sessionHours * 3600_000 - Date.now();
    if (!(left > 0)) {
      await this.app.redis.del(key);
      return null;
    }
    const admin = await this.app.repos.admin.findAdmin(Number(state.a));
    if (!admin || admin.status !== 1) {
      await this.app.redis.del(key);
      return null;
    }
    await this.app.redis.pexpire(key, Math.min(idleMinutes * 60_000, left));
    if (state.n) await this.app.redis.hdel(key, 'n');
    return {
      sid, id: admin.id, username: admin.username, role: admin.role, enrolled: !!admin.totp_secret,
      csrf: state.c, pending: state.p ?? null, notice: state.n ?? null,
    };
  }

  /** The session's CSRF token was sent (`_csrf` field or `x-csrf-token` header). */
  csrfMatches(session: AdminSession): boolean {
    const body = this.ctx.request.body as Record<string, unknown> | undefined;
    const sent = this.ctx.get('x-csrf-token') || (typeof body?._csrf === 'string' ? body._csrf : '');
    const a = Buffer.from(sent);
    const b = Buffer.from(session.csrf);
    return a.length === b.length && timingSafeEqual(a, b);
  }

  /** A notice shown once on the next page. */
  async setNotice(sid: string, notice: string): Promise<void> {
    await this.app.redis.hset(sessionKey(this.settings.keyPrefix, sid), 'n', notice);
  }

  async setPending(sid: string, secret: string | null): Promise<void> {
    const key = sessionKey(this.settings.keyPrefix, sid);
    if (secret) await this.app.redis.hset(key, 'p', seal(secret, this.settings.secretKey));
    else await this.app.redis.hdel(key, 'p');
  }

  pendingSecret(session: AdminSession): string | null {
    return session.pending ? open(session.pending, this.settings.secretKey) : null;
  }

  async endSession(session: AdminSession): Promise<void> {
    await Promise.all([
      this.app.redis.del(sessionKey(this.settings.keyPrefix, session.sid)),
      this.app.redis.srem(adminSessionsKey(this.settings.keyPrefix, session.id), session.sid),
    ]);
  }

  /** Every session of the admin ends at once (disabled, password changed). */
  async endAllSessions(adminId: number): Promise<void> {
    const setKey = adminSessionsKey(this.settings.keyPrefix, adminId);
    const sids = await this.app.redis.smembers(setKey);
    await Promise.all([ ...sids.map(sid => this.app.redis.del(sessionKey(this.settings.keyPrefix, sid))), this.app.redis.del(setKey) ]);
  }

  hashPassword(password: string): Promise<string> {
    return hashPassword(password, this.hashing());
  }

  async checkPassword(admin: AdminRow, password: unknown): Promise<boolean> {
    if (typeof password !== 'string') return false;
    return (await verifyPassword(password, admin.password_hash, this.hashing())).ok;
  }

  seal(secret: string): string {
    return seal(secret, this.settings.secretKey);
  }
}
