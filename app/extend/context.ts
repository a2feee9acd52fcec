import { isIP } from 'node:net';
import { Context } from 'egg';
import { ApiError } from '../lib/errors';
import { ParamError, validationError } from '../lib/rules';

// CONTRACT: the envelope. Every answer goes through one of these helpers.
export default {
  ok(this: Context, data: unknown) {
    this.status = 200;
    this.body = { msg: 'ok', data };
  },

  /** `ok` with its body made by okBody(): the same bytes and headers as `ok(data)`, without serializing again. */
  okEncoded(this: Context, body: Buffer) {
    this.status = 200;
    this.type = 'json';
    this.body = body;
  },

  /**
   * `data` defaults to the error's text in the request's language (config/locale/*.json,
   * chosen by Accept-Language, Chinese by default).
   */
  fail(this: Context, error: ApiError, data?: unknown) {
    this.status = error.status;
    this.set(error.headers);
    this.vary('Accept-Language');
    // koa-locales fills {placeholders} from an object; egg types only the positional form.
    const translate = this.__ as unknown as (key: string, params: object) => string;
    // As strings: koa-locales leaves a placeholder whose value is falsy (a 0) unfilled.
    const params = Object.fromEntries(Object.entries(error.params).map(([ name, value ]) => [ name, String(value) ]));
    this.body = { msg: 'fail', data: data ?? translate.call(this, error.key, params) };
  },

  /**
   * Checks `data` (the request body unless given: `ctx.params`, `ctx.query`) against egg-validate
   * rules (app/lib/rules.ts), fields in the order the rules list them, and throws the first
   * failure with its text. Returns `data`, trimmed and defaulted as the rules say.
   */
  check<T = Record<string, any>>(this: Context, rules: Record<string, object>, data?: object): T {
    const target: unknown = data ?? (this.request as { body?: unknown }).body;
    const errors: ParamError[] | undefined = this.app.validator.validate(rules, target as object);
    if (errors) throw validationError(errors, rules);
    return target as T;
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
