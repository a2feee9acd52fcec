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
  constructor(retryAfterSeconds: number, readonly key = 'error.rateLimited') {
    super(key);
    this.headers['Retry-After'] = String(Math.max(1, Math.ceil(retryAfterSeconds)));
  }
}

/** A thing the request names does not exist (for the caller); the default text is the unknown route's. */
export class NotFoundError extends ApiError {
  readonly status = 404;
  constructor(readonly key = 'error.notFound', readonly params: Record<string, string | number> = {}) {
    super(key);
  }
}

export class PayloadTooLargeError extends ApiError {
  readonly status = 413;
  constructor(readonly key = 'error.payloadTooLarge', readonly params: Record<string, string | number> = {}) {
    super(key);
  }
}

/** A rule of the service refuses the request (not a field's format): 400 with the rule's text. */
export class BadRequestError extends ApiError {
  readonly status = 400;
  constructor(readonly key: string, readonly params: Record<string, string | number> = {}) {
    super(key);
  }
}

/** The caller may not do this: role (visitor gate), ownership, the other side's settings. */
export class ForbiddenError extends ApiError {
  readonly status = 403;
  constructor(readonly key: string, readonly params: Record<string, string | number> = {}) {
    super(key);
  }
}

/** The request clashes with the current state (already friends, already handled, ...). */
export class ConflictError extends ApiError {
  readonly status = 409;
  constructor(readonly key: string, readonly params: Record<string, string | number> = {}) {
    super(key);
  }
}

/** The body is not of a media type the route takes (uploads: not multipart, or a refused file type). */
export class UnsupportedMediaTypeError extends ApiError {
  readonly status = 415;
  constructor(readonly key: string, readonly params: Record<string, string | number> = {}) {
    super(key);
  }
}

/** The request's headers are over Node's limit (16 kB). */
export class HeadersTooLargeError extends ApiError {
  readonly status = 431;
  readonly key = 'error.headersTooLarge';
}

/** The request (or its body) did not arrive in time. */
export class RequestTimeoutError extends ApiError {
  readonly status = 408;
  readonly key = 'error.requestTimeout';
}

export class MalformedBodyError extends ApiError {
  readonly status = 422;
  readonly key = 'error.malformedBody';
}

export class ServiceUnavailableError extends ApiError {
  readonly status = 503;
  /** `retryAfterSeconds`: sent as Retry-After when the wait is known (a full queue). */
  constructor(readonly key = 'error.serviceUnavailable', retryAfterSeconds?: number) {
    super(key);
    if (retryAfterSeconds !== undefined) this.headers['Retry-After'] = String(Math.max(1, Math.ceil(retryAfterSeconds)));
  }
}

export class InternalError extends ApiError {
  readonly status = 500;
  readonly key = 'error.internal';
}
