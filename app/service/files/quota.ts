import { Service } from 'egg';
import { RateLimitedError } from '../../lib/errors';
import { dayOf } from '../../lib/files/keys';
import { RELEASE_UPLOAD, RESERVE_UPLOAD } from '../../lib/files/quotaScripts';
import { parseOffset } from '../../lib/time';

const DAY_MS = 86_400_000;

/**
 * CONTRACT (files): per user and day (APP_TIMEZONE), users 500 files / 1 GB, visitors 50 /
 * 100 MB; 30 uploads a minute; 60 screenshots an hour. Counters live in Redis.
 */
export default class QuotaService extends Service {
  private get redis() {
    const { redis } = this.app;
    if (typeof redis.uploadReserve !== 'function') {
      redis.defineCommand('uploadReserve', { numberOfKeys: 1, lua: RESERVE_UPLOAD });
      redis.defineCommand('uploadRelease', { numberOfKeys: 1, lua: RELEASE_UPLOAD });
    }
    return redis;
  }

  private get settings() {
    return this.config.im.files.quota;
  }

  private limits() {
    return this.ctx.state.role === 'visitor' ? this.settings.visitor : this.settings.user;
  }

  private dayKey(userId: number) {
    return `${this.settings.keyPrefix}{u${userId}}:${dayOf(new Date(), this.config.im.user.timezone)}`;
  }

  /** Seconds until the next midnight in APP_TIMEZONE, when the day's quota starts over. */
  private secondsToMidnight() {
    const offsetMs = parseOffset(this.config.im.user.timezone) * 60_000;
    const local = Date.now() + offsetMs;
    return (DAY_MS - (local % DAY_MS)) / 1000;
  }

  private exhausted(): never {
    throw new RateLimitedError(this.secondsToMidnight(), 'files.dailyQuota');
  }

  /** Before reading a body: 429 when the day's quota is already used up, or beyond 30 uploads a minute. */
  async admit(userId: number): Promise<void> {
    await this.assertRoom(userId);
    const { rateLimit } = this.ctx.service;
    await rateLimit.take([ rateLimit.userBucket(userId, 'upload', this.settings.perMinute, 60) ]);
  }

  /** 429 when the day's quota is already used up (before a body is read or a screenshot is made). */
  async assertRoom(userId: number): Promise<void> {
    const { files, bytes } = this.limits();
    const [ usedFiles, usedBytes ] = await this.redis.hmget(this.dayKey(userId), 'files', 'bytes');
    if (Number(usedFiles ?? 0) >= files || Number(usedBytes ?? 0) >= bytes) this.exhausted();
  }

  /** Counts a received file of `size` bytes, or 429 if it does not fit in the day's quota. */
  async reserve(userId: number, size: number): Promise<void> {
    const { files, bytes } = this.limits();
    const counted = await this.redis.uploadReserve(this.dayKey(userId), files, bytes, size, 2 * DAY_MS);
    if (counted !== 1) this.exhausted();
  }

  /** Gives back a reservation whose file was not stored. */
  async release(userId: number, size: number): Promise<void> {
    await this.redis.uploadRelease(this.dayKey(userId), size);
  }

  screenshotBucket(userId: number) {
    return this.ctx.service.rateLimit.userBucket(userId, 'screenshot', this.settings.screenshotsPerHour, 3600);
  }
}
