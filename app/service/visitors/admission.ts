import { createHash } from 'node:crypto';
import { Service } from 'egg';
import { BadRequestError, ValidationError } from '../../lib/errors';
import { SignedFields } from '../../lib/visitors/rules';
import { isFresh, signMatches, visitorSign } from '../../lib/visitors/sign';

export default class AdmissionService extends Service {
  /**
   * CONTRACT visitor routes, in this order: (1) the X-Security-Sign header is there; (2) the body
   * passes `rules`; (3) the signature matches; (4) the request time is within 300 s of ours;
   * (5) the device's call budget (only calls that got this far count; `count` false leaves it to
   * the route: visitorRegister counts only when it creates a visitor). Returns the checked body.
   */
  async admit<T extends SignedFields>(rules: Record<string, object>, count = true): Promise<T> {
    const { ctx } = this;
    const sign = ctx.get('X-Security-Sign');
    if (!sign) throw new BadRequestError('visitors.signMissing');
    // A missing deviceId is as invalid as a malformed one (rather than "deviceId 不能为空").
    const body = ctx.request.body as { deviceId?: unknown } | undefined;
    if (body?.deviceId === undefined || body.deviceId === null) throw new ValidationError('visitors.invalidDevice');
    const input = ctx.check<T>(rules);
    const timestamp = String(input.timestamp);
    const expected = visitorSign(input.deviceId, timestamp, this.config.im.visitors.signSalt);
    if (!signMatches(sign, expected)) throw new BadRequestError('visitors.signInvalid');
    if (!isFresh(Number(timestamp), Date.now())) throw new BadRequestError('visitors.expired');
    if (count) await this.countCall(input);
    return input;
  }

  /**
   * One call of the device's budget (VISITOR_DEVICE_LIMIT). CONTRACT-client-behaviour §3: the
   * course client sends its calls twice in a row, so a call identical to one counted within
   * VISITOR_TWIN_MS (same route, same body but the timestamp) does not count again.
   */
  async countCall(input: SignedFields): Promise<void> {
    const { ctx } = this;
    const { rateLimit } = ctx.service;
    const fields = Object.entries(input as SignedFields & Record<string, unknown>).filter(([ key ]) => key !== 'timestamp');
    const body = JSON.stringify(fields.sort(([ a ], [ b ]) => (a < b ? -1 : 1)));
    const digest = createHash('sha256').update(`${ctx.path}\n${body}`).digest('base64url').slice(0, 22);
    const twin = rateLimit.visitorTwinKey(input.deviceId, digest);
    const { twinMs } = this.config.im.visitors;
    if (twinMs > 0 && !await this.app.redis.set(twin, '1', 'PX', twinMs, 'NX')) return;
    try {
      await rateLimit.take([ rateLimit.visitorDeviceBucket(input.deviceId) ]);
    } catch (err) {
      await this.app.redis.del(twin).catch(() => undefined); // refused: its twin is refused too
      throw err;
    }
  }
}
