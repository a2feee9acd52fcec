// The operator console under /admin (CONTRACT-admin §6; README "Operating the service").
import { SectionOf } from './env';

export interface AdminSection {
  /** false: every /admin path answers like an unknown path. `ADMIN_ENABLED`, default true. */
  enabled: boolean;
  /** Encrypts the admins' TOTP secrets (AES-256-GCM); at least 32 characters; production refuses to start without it once an admin exists. `ADMIN_SECRET_KEY`, default empty (a development key outside production). */
  secretKey: string;
  /** Addresses allowed to reach /admin, a comma-separated CIDR list; others get 404. `ADMIN_ALLOW_IPS`, default empty (every address). */
  allowIps: string[];
  /** true: an admin without 2FA is sent to enrollment after login and can do nothing else. `ADMIN_REQUIRE_2FA`, default false. */
  require2fa: boolean;
  /** Minutes of inactivity that end an admin session. `ADMIN_IDLE_MINUTES`, default 30, at least 1. */
  idleMinutes: number;
  /** Hours an admin session lives at most. `ADMIN_SESSION_HOURS`, default 12, at least 1. */
  sessionHours: number;
  /** true: the `admin_sid` cookie is `Secure` even over plain HTTP (behind a TLS proxy). `ADMIN_COOKIE_SECURE`, default false. */
  cookieSecure: boolean;
  /** Failed logins per admin account per 15 min, then 429. `ADMIN_LOGIN_LIMIT_ACCOUNT`, default 5, at least 1. */
  loginLimitAccount: number;
  /** Failed logins per client address per 15 min (unknown names included), then 429. `ADMIN_LOGIN_LIMIT_IP`, default 20, at least 1. */
  loginLimitIp: number;
  /** Window of both login limits, in s. Fixed: 900. */
  loginWindow: number;
  /** Prefix of the console's Redis keys. Fixed: `im:admin:`. */
  keyPrefix: string;
}

/** Outside production, with no ADMIN_SECRET_KEY: a fixed development key (production refuses it, config.prod.ts). */
export const DEV_ADMIN_SECRET_KEY = 'im-user-service-development-admin-key-do-not-use-in-production';

export const adminSection: SectionOf<AdminSection> = ({ envBool, envInt, envString }) => {
  const secretKey = envString('ADMIN_SECRET_KEY', DEV_ADMIN_SECRET_KEY);
  if (secretKey.length < 32) throw new Error('ADMIN_SECRET_KEY must be at least 32 characters');
  return {
    enabled: envBool('ADMIN_ENABLED', true),
    secretKey,
    allowIps: envString('ADMIN_ALLOW_IPS', '').split(',').map(item => item.trim()).filter(Boolean),
    require2fa: envBool('ADMIN_REQUIRE_2FA', false),
    idleMinutes: envInt('ADMIN_IDLE_MINUTES', 30, 1),
    sessionHours: envInt('ADMIN_SESSION_HOURS', 12, 1),
    cookieSecure: envBool('ADMIN_COOKIE_SECURE', false),
    loginLimitAccount: envInt('ADMIN_LOGIN_LIMIT_ACCOUNT', 5, 1),
    loginLimitIp: envInt('ADMIN_LOGIN_LIMIT_IP', 20, 1),
    loginWindow: 900,
    keyPrefix: 'im:admin:',
  };
};
