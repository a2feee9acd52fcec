// Accounts: tokens, sessions, password hashing, the user object, search and the abuse limits.
import { SectionOf } from './env';

/** Login tokens (app/service/session.ts). */
export interface TokenSection {
  /** Seconds a session and its token live. `TOKEN_TTL`, default 2592000 (30 days), at least 1. */
  ttlSeconds: number;
}

export const tokenSection: SectionOf<TokenSection> = ({ envInt }) => {
  return { ttlSeconds: envInt('TOKEN_TTL', 2592000, 1) };
};

/** Sessions in Redis (app/service/session.ts). */
export interface SessionSection {
  /** `multi`: each login its own session; `single`: a login revokes the older ones. `SESSION_POLICY`, default `multi`. */
  policy: 'multi' | 'single';
  /** Sessions one user may hold; a login beyond that revokes the oldest. `SESSION_MAX`, default 20, at least 1. */
  max: number;
  /** Prefix of the Redis keys of a user's sessions. Fixed: `im:sess:`. */
  keyPrefix: string;
  /** Prefix of the Redis hashes of each session's device and IP, one per user (app/lib/account/sessionInfo.ts). Fixed: `im:sessinfo:`. */
  infoKeyPrefix: string;
}

export const sessionSection: SectionOf<SessionSection> = ({ envInt, envChoice }) => {
  return {
    policy: envChoice('SESSION_POLICY', [ 'multi', 'single' ] as const, 'multi'),
    max: envInt('SESSION_MAX', 20, 1),
    keyPrefix: 'im:sess:',
    infoKeyPrefix: 'im:sessinfo:',
  };
};

/** scrypt password hashing (app/lib/password.ts); N = 2^15 is 32 MiB and ~70 ms per hash on this machine's cores. */
export interface PasswordSection {
  /** scrypt N for new hashes (a power of two); stored hashes with another N are upgraded on their next login. `SCRYPT_COST`, default 32768 (tests: 16384), at least 1024. */
  cost: number;
  /** scrypt r. Fixed: 8. */
  blockSize: number;
  /** scrypt p. Fixed: 1. */
  parallelization: number;
  /**
   * Hashes in flight per process, below libuv's thread pool size so file reads (same pool) never
   * wait behind scrypt (README "Security"). `HASH_MAX_IN_FLIGHT`, default `UV_THREADPOOL_SIZE` - 1
   * (3), at least 1; must stay below `UV_THREADPOOL_SIZE` (default 4), or the start fails.
   */
  maxInFlight: number;
  /**
   * Hashes that may wait for a slot, served round-robin across client addresses; a full queue
   * refuses the newest hash of the address with the most waiting (503). `HASH_MAX_QUEUED`,
   * default 32, at least 0.
   */
  maxQueued: number;
}

export const passwordSection: SectionOf<PasswordSection> = ({ envInt }) => {
  // libuv's thread pool (scrypt, file reads, dns.lookup): Node reads UV_THREADPOOL_SIZE itself, 4 by default.
  const threadPoolSize = envInt('UV_THREADPOOL_SIZE', 4, 1);
  const section = {
    cost: envInt('SCRYPT_COST', 32768, 1024),
    blockSize: 8,
    parallelization: 1,
    maxInFlight: envInt('HASH_MAX_IN_FLIGHT', Math.max(1, threadPoolSize - 1), 1),
    maxQueued: envInt('HASH_MAX_QUEUED', 32, 0),
  };
  if (section.maxInFlight >= threadPoolSize) {
    throw new Error(`HASH_MAX_IN_FLIGHT (${section.maxInFlight}) must be below UV_THREADPOOL_SIZE (${threadPoolSize}): file reads share that pool`);
  }
  return section;
};

/** The user object and times shown to users. */
export interface UserSection {
  /** Avatar URL of a new account. `DEFAULT_AVATAR`, default the course's `https://thinkphp-all.oss-cn-hangzhou.aliyuncs.com/public/67b3001b2aedd.png`. */
  defaultAvatar: string;
  /** UTC offset in which `create_time` is shown and upload days are counted. `APP_TIMEZONE`, default `+08:00`. */
  timezone: string;
}

export const userSection: SectionOf<UserSection> = ({ envString }) => {
  return {
    defaultAvatar: envString('DEFAULT_AVATAR', 'https://thinkphp-all.oss-cn-hangzhou.aliyuncs.com/public/67b3001b2aedd.png'),
    timezone: envString('APP_TIMEZONE', '+08:00'),
  };
};

/** User search. */
export interface SearchSection {
  /** Results when the request gives no `limit`; the allowed range is BOUNDS.limit in app/lib/rules.ts. Fixed: 20. */
  defaultLimit: number;
}

export const searchSection: SectionOf<SearchSection> = () => {
  return { defaultLimit: 20 };
};

/** CONTRACT: abuse limits of the account routes (README "Security"); windows in seconds. */
export interface RateLimitSection {
  /** Failed logins per account and IP per window, then 429. `LOGIN_FAIL_LIMIT_USER_IP`, default 5, at least 1. */
  loginFailLimitUserIp: number;
  /** Failed logins per IP per window, then 429. `LOGIN_FAIL_LIMIT_IP`, default 50, at least 1. */
  loginFailLimitIp: number;
  /** Window of the failed-login limits, in s. `LOGIN_FAIL_WINDOW`, default 900, at least 1. */
  loginFailWindow: number;
  /** Registrations per IP per window. `REGISTER_LIMIT_IP`, default 20, at least 1. */
  registerLimitIp: number;
  /** Window of the registration limit, in s. `REGISTER_WINDOW`, default 3600, at least 1. */
  registerWindow: number;
  /** Successful logins (each one costs a hash) per account per window. `LOGIN_OK_LIMIT_USER`, default 30, at least 1. */
  loginOkLimitUser: number;
  /** Successful logins per IP per window. `LOGIN_OK_LIMIT_IP`, default 100, at least 1. */
  loginOkLimitIp: number;
  /** Window of the successful-login limits, in s. `LOGIN_OK_WINDOW`, default 900, at least 1. */
  loginOkWindow: number;
  /** Prefix of every rate-limit key in Redis. Fixed: `im:rl:`. */
  keyPrefix: string;
}

export const rateLimitSection: SectionOf<RateLimitSection> = ({ envInt }) => {
  return {
    loginFailLimitUserIp: envInt('LOGIN_FAIL_LIMIT_USER_IP', 5, 1),
    loginFailLimitIp: envInt('LOGIN_FAIL_LIMIT_IP', 50, 1),
    loginFailWindow: envInt('LOGIN_FAIL_WINDOW', 900, 1),
    registerLimitIp: envInt('REGISTER_LIMIT_IP', 20, 1),
    registerWindow: envInt('REGISTER_WINDOW', 3600, 1),
    loginOkLimitUser: envInt('LOGIN_OK_LIMIT_USER', 30, 1),
    loginOkLimitIp: envInt('LOGIN_OK_LIMIT_IP', 100, 1),
    loginOkWindow: envInt('LOGIN_OK_WINDOW', 900, 1),
    keyPrefix: 'im:rl:',
  };
};
