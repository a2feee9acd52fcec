// Visitor accounts (README "Visitor mode").
import { randomBytes } from 'node:crypto';

export const VISITOR_ROLE = 'visitor';

/** `VIS` + the first 8 letters or digits of the device id; undefined when it has fewer than 8. */
export function preferredVisitorName(deviceId: string): string | undefined {
  const alphanumerics = deviceId.replace(/[^A-Za-z0-9]/g, '');
  return alphanumerics.length >= 8 ? `VIS${alphanumerics.slice(0, 8)}` : undefined;
}

/** The fallback when the preferred name is taken: `VIS` + 12 random hex digits. */
export function randomVisitorName(): string {
  return `VIS${randomBytes(6).toString('hex')}`;
}
