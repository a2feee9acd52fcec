// TOTP (RFC 6238) through the maintained otpauth library: 6 digits, 30 s, SHA-1 (what every
// authenticator app reads from the QR code), one step either side for clock drift.
import { Secret, TOTP } from 'otpauth';

export const TOTP_PERIOD = 30;
const ISSUER = 'IM Console';

const totpOf = (base32: string, label = 'admin') =>
  new TOTP({ issuer: ISSUER, label, algorithm: 'SHA1', digits: 6, period: TOTP_PERIOD, secret: Secret.fromBase32(base32) });

/** A new random secret, base32 (160 bits). */
export const newTotpSecret = () => new Secret({ size: 20 }).base32;

/** The `otpauth://` URI the QR code carries. */
export const totpUri = (base32: string, username: string) => totpOf(base32, username).toString();

/** The time step the code belongs to (within one step of now), or null when it is not valid. */
export function totpStep(base32: string, code: unknown, now = Date.now()): number | null {
  if (typeof code !== 'string' || !/^\d{6}$/.test(code.trim())) return null;
  const delta = totpOf(base32).validate({ token: code.trim(), window: 1, timestamp: now });
  return delta === null ? null : Math.floor(now / 1000 / TOTP_PERIOD) + delta;
}

/** The code of a time (tests and the browser tests log in with it). */
export const totpCode = (base32: string, now = Date.now()) => totpOf(base32).generate({ timestamp: now });
