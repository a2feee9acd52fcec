import { isIP } from 'node:net';
import { Context } from 'egg';
import { ApiError } from '../lib/errors';

// CONTRACT: the envelope. Every answer goes through one of these two helpers.
export default {
  ok(this: Context, data: unknown) {
    this.status = 200;
    this.body = { msg: 'ok', data };
  },

  fail(this: Context, error: ApiError, reason: string = error.message) {
    this.status = error.status;
    this.set(error.headers);
    this.body = { msg: 'fail', data: reason };
  },

  /**
   * The client's address, or null. Egg reads X-Forwarded-For only when config.proxy
   * (TRUST_PROXY) is on; whatever that header holds is kept only if it is an IP address.
   */
  get clientIp(): string | null {
    const { ip } = this as unknown as Context;
    return isIP(ip) ? ip : null;
  },
};
