import { Service } from 'egg';
import { RateLimitedError } from '../lib/errors';
import { countRateLimited } from '../lib/metrics/registry';
import { RELEASE_ATTEMPT, TAKE_ATTEMPT, TAKE_DISTINCT } from '../lib/rateLimitScripts';
import { turnCommand } from '../lib/redisTurn';

export interface Bucket {
  key: string;
  limit: number;
  windowSeconds: number;
}

export type Release = 'reset' | 'refund';

/**
 * CONTRACT: abuse limits. Counters live in Redis (app/lib/rateLimitScripts.ts), shared by
 * every process. The client IP is the key's hash tag, so one request's buckets share a
 * Redis Cluster slot and one script can update them together.
 */
export default class RateLimitService extends Service {
  /**
   * app.redis with the scripts defined. Defined on first use rather than at boot, so they
   * exist on whatever client app.redis is (single node, Sentinel, Cluster, or a test's
   * stand-in for an unreachable Redis).
   */
  private get redis() {
    const { redis } = this.app;
    if (typeof redis.rateTake !== 'function') {
      redis.defineCommand('rateTake', { lua: TAKE_ATTEMPT });
      redis.defineCommand('rateRelease', { lua: RELEASE_ATTEMPT });
      redis.defineCommand('rateTakeDistinct', { lua: TAKE_DISTINCT });
    }
    return redis;
  }

  private key(ip: string | null, name: string) {
    return `${this.config.im.rateLimit.keyPrefix}{${ip ?? 'unknown'}}:${name}`;
  }

  /**
   * Logins. Failed ones per username (case-insensitive, like accounts) + IP and per IP; successful
   * ones per IP (`okIp`, same hash tag, so one script takes all three) and per account (`okUser`,
   * keyed by the username: its own slot).
   */
  loginBuckets(username: string, ip: string | null): { userIp: Bucket; ip: Bucket; okIp: Bucket; okUser: Bucket } {
    const { loginFailLimitUserIp, loginFailLimitIp, loginFailWindow, loginOkLimitUser, loginOkLimitIp, loginOkWindow, keyPrefix } = this.config.im.rateLimit;
    const name = username.toLowerCase();
    return {
      userIp: { key: this.key(ip, `login:${name}`), limit: loginFailLimitUserIp, windowSeconds: loginFailWindow },
      ip: { key: this.key(ip, 'login'), limit: loginFailLimitIp, windowSeconds: loginFailWindow },
      okIp: { key: this.key(ip, 'login:ok'), limit: loginOkLimitIp, windowSeconds: loginOkWindow },
      okUser: { key: `${keyPrefix}{user:${name}}:login:ok`, limit: loginOkLimitUser, windowSeconds: loginOkWindow },
    };
  }

  registerBucket(ip: string | null): Bucket {
    const { registerLimitIp, registerWindow } = this.config.im.rateLimit;
    return { key: this.key(ip, 'register'), limit: registerLimitIp, windowSeconds: registerWindow };
  }

  /** Visitor routes: calls per device (the three routes together), keyed by the device id. */
  visitorDeviceBucket(deviceId: string): Bucket {
    const { deviceLimit, deviceWindow } = this.config.im.visitors;
    return { key: `${this.config.im.rateLimit.keyPrefix}{device:${deviceId}}:visitor`, limit: deviceLimit, windowSeconds: deviceWindow };
  }

  /** Marks a counted visitor call (route + body digest) for VISITOR_TWIN_MS: its identical twin does not count. */
  visitorTwinKey(deviceId: string, digest: string): string {
    return `${this.config.im.rateLimit.keyPrefix}{device:${deviceId}}:twin:${digest}`;
  }

  /** New visitors created per IP. */
  newVisitorBucket(ip: string | null): Bucket {
    const { newLimitIp, newWindow } = this.config.im.visitors;
    return { key: this.key(ip, 'visitor:new'), limit: newLimitIp, windowSeconds: newWindow };
  }

  /** A per-user bucket (uploads, screenshots): the user id is the hash tag. */
  userBucket(userId: number, name: string, limit: number, windowSeconds: number): Bucket {
    return { key: `${this.config.im.rateLimit.keyPrefix}{u${userId}}:${name}`, limit, windowSeconds };
  }

  /** Counts one attempt in each bucket, or throws RateLimitedError if one is full. */
  async take(buckets: Bucket[]): Promise<void> {
    const args = buckets.flatMap(b => [ b.limit, b.windowSeconds * 1000 ]);
    // Sent with the other commands of this turn (app/lib/redisTurn.ts): each take counts.
    const waitMs = await turnCommand<number>(this.redis, 'rateTake', buckets.length, ...buckets.map(b => b.key), ...args);
    if (waitMs > 0) this.refuse(buckets, waitMs);
  }

  /** A refusal: counted by limit name (GET /metrics), then 429 with Retry-After. */
  private refuse(buckets: Bucket[], waitMs: number): never {
    countRateLimited(buckets.map(b => b.key));
    throw new RateLimitedError(waitMs / 1000);
  }

  /**
   * Counts `member` in a bucket of distinct members (a Redis set): one already counted in the
   * window passes free, a new one passes while fewer than `limit` are counted; else throws
   * RateLimitedError.
   */
  async takeDistinct(bucket: Bucket, member: string): Promise<void> {
    const waitMs = await this.redis.rateTakeDistinct(1, bucket.key, member, bucket.limit, bucket.windowSeconds * 1000);
    if (waitMs > 0) this.refuse([ bucket ], waitMs);
  }

  /** Gives attempts back (`refund`) or clears a bucket (`reset`). */
  async release(entries: Array<[ Bucket, Release ]>): Promise<void> {
    await this.redis.rateRelease(entries.length, ...entries.map(([ b ]) => b.key), ...entries.map(([ , how ]) => how));
  }
}
