// CONTRACT visitor routes: the X-Security-Sign header. The app signs its device id and the
// request time with a salt that ships inside every copy of the app, so the signature keeps out
// casual scripts; it authenticates nobody.
import { createHash, timingSafeEqual } from 'node:crypto';

/** How far the request time may be from the server's clock, either way. */
export const SIGN_WINDOW_MS = 300_000;

/** The text the app hashes: its three fields sorted by name, then the literal `APP_SECRET`. */
export function signedText(deviceId: string, timestamp: string, salt: string): string {
  return `deviceId=${deviceId}&salt=${salt}&timestamp=${timestamp}APP_SECRET`;
}

/** Lowercase hex SHA-256 of signedText(). */
export function visitorSign(deviceId: string, timestamp: string, salt: string): string {
  return createHash('sha256').update(signedText(deviceId, timestamp, salt)).digest('hex');
}

/** Constant-time comparison; the hex may be in either letter case. */
export function signMatches(given: string, expected: string): boolean {
  const a = Buffer.from(given.toLowerCase());
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The request time (ms) is within SIGN_WINDOW_MS of `now`, in the past or the future. */
export function isFresh(timestamp: number, now: number): boolean {
  return Math.abs(now - timestamp) <= SIGN_WINDOW_MS;
}
