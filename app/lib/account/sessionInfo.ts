// What the console's user page shows of each session (CONTRACT-admin §4, GET /admin/users/:id):
// the device (the login request's User-Agent) and the IP it logged in from. Stored beside the
// session, in one Redis hash per user (field = session id), written at login and removed with the
// session (app/service/session.ts).

/** A session's device and address as stored (one JSON value per session). */
export interface SessionInfo {
  device: string;
  ip: string | null;
}

/** The longest device text kept: a User-Agent is the client's to choose. */
export const DEVICE_MAX_LENGTH = 200;

/** The stored value for a login with this User-Agent from this address (control characters dropped, cut to DEVICE_MAX_LENGTH). */
export function sessionInfoValue(userAgent: string | undefined, ip: string | null): string {
  // eslint-disable-next-line no-control-regex
  const device = (userAgent ?? '').replace(/[\u0000-\u001f\u007f]/g, ' ').trim().slice(0, DEVICE_MAX_LENGTH);
  const info: SessionInfo = { device, ip };
  return JSON.stringify(info);
}

/** A stored value read back; anything unreadable counts as unknown. */
export function parseSessionInfo(value: string | undefined): SessionInfo {
  try {
    const parsed = JSON.parse(value ?? '') as Partial<SessionInfo>;
    return { device: typeof parsed.device === 'string' ? parsed.device : '', ip: typeof parsed.ip === 'string' ? parsed.ip : null };
  } catch {
    return { device: '', ip: null };
  }
}
