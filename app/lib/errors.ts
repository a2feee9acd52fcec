// CONTRACT: failure statuses. Every failure the API can answer is one class here, mapped to its
// HTTP status and to the key of its text. The texts themselves live in config/locale/*.json
// (Chinese by default, English for `Accept-Language: en`), so each text is written once per language.

export abstract class ApiError extends Error {
  abstract readonly status: number;
  /** Key of the text in config/locale/<lang>.json. */
  abstract readonly key: string;
  /** Values for the {placeholders} of the text. */
  readonly params: Record<string, string | number> = {};
  /** Extra response headers (Retry-After, ...). */
  readonly headers: Record<string, string> = {};
}

/** A request field breaks a rule of app/lib/rules.ts; `key` names the rule's text. */
export class ValidationError extends ApiError {
  readonly status = 422;
  constructor(readonly key: string, readonly params: Record<string, string | number> = {}) {
    super(key);
  }
}

export class BadCredentialsError extends ApiError {
  readonly status = 400;
  readonly key = 'error.badCredentials';
}

export class AccountDisabledError extends ApiError {
  readonly status = 403;
  readonly key = 'error.accountDisabled';
}

export class UsernameTakenError extends ApiError {
  readonly status = 409;
  readonly key = 'error.usernameTaken';
}

export class TokenMissingError extends ApiError {
  readonly status = 401;
  readonly key = 'error.tokenMissing';
}

export class TokenInvalidError extends ApiError {
  readonly status = 401;
  readonly key = 'error.tokenInvalid';
}

export class TokenExpiredError extends ApiError {
  readonly status = 401;
  readonly key = 'error.tokenExpired';
}

export class UserDisabledError extends ApiError {
  readonly status = 403;
  readonly key = 'error.userDisabled';
}

export class RateLimitedError extends ApiError {
  readonly status = 429;
  readonly key = 'error.rateLimited';
  constructor(retryAfterSeconds: number) {
    super();
    this.headers['Retry-After'] = String(Math.max(1, Math.ceil(retryAfterSeconds)));
  }
}

export class NotFoundError extends ApiError {
  readonly status = 404;
  readonly key = 'error.notFound';
}

export class PayloadTooLargeError extends ApiError {
  readonly status = 413;
  readonly key = 'error.payloadTooLarge';
}

export class MalformedBodyError extends ApiError {
  readonly status = 422;
  readonly key = 'error.malformedBody';
}

export class ServiceUnavailableError extends ApiError {
  readonly status = 503;
  readonly key = 'error.serviceUnavailable';
}

export class InternalError extends ApiError {
  readonly status = 500;
  readonly key = 'error.internal';
}
