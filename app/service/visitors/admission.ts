import { Service } from 'egg';
import { BadRequestError, ValidationError } from '../../lib/errors';
import { SignedFields } from '../../lib/visitors/rules';
import { isFresh, signMatches, visitorSign } from '../../lib/visitors/sign';

export default class AdmissionService extends Service {
  /**
   * CONTRACT visitor routes, in this order: (1) the X-Security-Sign header is there; (2) the body
   * passes `rules`; (3) the signature matches; (4) the request time is within 300 s of ours;
   * (5) the device's call budget (only calls that got this far count). Returns the checked body.
   */
  async admit<T extends SignedFields>(rules: Record<string, object>): Promise<T> {
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
    const { rateLimit } = ctx.service;
    await rateLimit.take([ rateLimit.visitorDeviceBucket(input.deviceId) ]);
    return input;
  }
}
