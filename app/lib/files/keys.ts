// CONTRACT (files): storage keys. Only keys of these shapes are ever written, served or
// accepted as a screenshot's video; each part is plain ASCII, so no key can leave its folder.
import { createHash, randomBytes } from 'node:crypto';
import { parseOffset } from '../time';
import { EXTENSIONS } from './kinds';

const SEGMENT = '[A-Za-z0-9]{1,32}';
const DIYDIR = new RegExp(`^${SEGMENT}(?:_${SEGMENT}){0,3}$`);
const SCREENSHOT_FOLDER = 'videoscreenshot';
const EXT = `(?:${EXTENSIONS.join('|')})`;
const UPLOAD_KEY = new RegExp(`^(?:Diy/(${SEGMENT})(?:/${SEGMENT}){0,3}|images)/\\d{8}/\\d{13}_[0-9a-f]{32}\\.${EXT}$`);
const SCREENSHOT_KEY = /^Diy\/VideoScreenshot\/screenshot_[0-9a-f]{32}\.(?:png|jpg)$/;

/**
 * `diydir` -> its folders: 1-4 segments of 1-32 ASCII letters or digits joined by `_`, the first
 * not `VideoScreenshot` (any letter case); undefined otherwise.
 */
export function parseDiydir(diydir: unknown): string[] | undefined {
  if (typeof diydir !== 'string' || !DIYDIR.test(diydir)) return undefined;
  const segments = diydir.split('_');
  return segments[0].toLowerCase() === SCREENSHOT_FOLDER ? undefined : segments;
}

/** YYYYMMDD of an instant on a clock at `offset` (+08:00). */
export function dayOf(date: Date, offset: string): string {
  return new Date(date.getTime() + parseOffset(offset) * 60_000).toISOString().slice(0, 10).replace(/-/g, '');
}

/** `{folders}/{YYYYMMDD}/{ms}_{32 hex}.{ext}`: 128 random bits, so names cannot be guessed. */
export function uploadKey(folders: string[], ext: string, now: Date, offset: string): string {
  return [ ...folders, dayOf(now, offset), `${now.getTime()}_${randomBytes(16).toString('hex')}.${ext}` ].join('/');
}

/** A screenshot's key is a hash of what produced it, so the same request reuses the file. */
export function screenshotKey(videoKey: string, timeMs: number, width: number, format: 'png' | 'jpg'): string {
  const hash = createHash('sha256').update(JSON.stringify([ videoKey, timeMs, width, format ])).digest('hex').slice(0, 32);
  return `Diy/VideoScreenshot/screenshot_${hash}.${format}`;
}

/** True for keys of the shapes above. */
export function isStoredKey(key: string): boolean {
  if (SCREENSHOT_KEY.test(key)) return true;
  const match = UPLOAD_KEY.exec(key);
  return match !== null && match[1]?.toLowerCase() !== SCREENSHOT_FOLDER;
}

/** Path prefix of the local driver's URLs. */
export const PUBLIC_PREFIX = '/public/uploads/';

/**
 * The upload key a video URL names, or undefined: `{publicBaseUrl}/{key}` (S3), or any URL or
 * path whose path is `/public/uploads/{key}` (the host is ignored). Never a screenshot.
 */
export function keyOfVideoUrl(videoUrl: string, publicBaseUrl: string): string | undefined {
  if (/\.\.|\\/.test(videoUrl)) return undefined;
  let key: string;
  if (publicBaseUrl && videoUrl.startsWith(`${publicBaseUrl}/`)) {
    key = videoUrl.slice(publicBaseUrl.length + 1).replace(/[?#].*$/s, '');
  } else {
    let pathname: string;
    try {
      pathname = new URL(videoUrl, 'http://localhost').pathname;
    } catch {
      return undefined;
    }
    if (!pathname.startsWith(PUBLIC_PREFIX)) return undefined;
    key = pathname.slice(PUBLIC_PREFIX.length);
  }
  return isStoredKey(key) && !SCREENSHOT_KEY.test(key) ? key : undefined;
}
