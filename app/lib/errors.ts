// CONTRACT: failure statuses. Every failure the API can answer is one class here, and this
// file is the only place that maps a failure to its HTTP status and default text.

export abstract class ApiError extends Error {
  abstract readonly status: number;
  /** Extra response headers (Retry-After, ...). */
  readonly headers: Record<string, string> = {};
}

export class ValidationError extends ApiError {
  readonly status = 422;
  constructor(readonly reason: string) {
    super(reason);
  }
}

export class BadCredentialsError extends ApiError {
  readonly status = 400;
  message = '账号或密码错误';
}

export class AccountDisabledError extends ApiError {
  readonly status = 403;
  message = '账号已被禁用';
}

export class UsernameTakenError extends ApiError {
  readonly status = 409;
  message = '该账号已存在，请换一个账号注册';
}

export class TokenMissingError extends ApiError {
  readonly status = 401;
  message = '您没有权限访问即时通讯接口';
}

export class TokenInvalidError extends ApiError {
  readonly status = 401;
  message = 'Token 令牌不合法！';
}

export class TokenExpiredError extends ApiError {
  readonly status = 401;
  message = 'Token已过期！请重新获取令牌';
}

export class UserDisabledError extends ApiError {
  readonly status = 403;
  message = '当前用户不存在或者已被禁用';
}

export class RateLimitedError extends ApiError {
  readonly status = 429;
  message = '请求过于频繁，请稍后再试';
  constructor(retryAfterSeconds: number) {
    super();
    this.headers['Retry-After'] = String(Math.max(1, Math.ceil(retryAfterSeconds)));
  }
}

export class NotFoundError extends ApiError {
  readonly status = 404;
  message = '404 错误';
}

export class PayloadTooLargeError extends ApiError {
  readonly status = 413;
  message = '请求体过大';
}

export class MalformedBodyError extends ApiError {
  readonly status = 422;
  message = '请求体格式错误';
}

export class ServiceUnavailableError extends ApiError {
  readonly status = 503;
  message = '服务暂不可用，请稍后再试';
}

export class InternalError extends ApiError {
  readonly status = 500;
  message = 'Internal Server Error';
}
