// Every way a socket ends, in one table (README "Messaging", "The socket"; README "Metrics"):
// the close code, its metrics label, the frame sent before it (`msg` and a text key of
// config/locale) and whether the session is over (`terminal`: the course client logs out; the
// others are answers to a client breaking the frame rules, or what the ws library and the
// network report).

export interface Disconnect {
  code: number;
  /** The `reason` label of im_websocket_disconnects_total. */
  reason: string;
  /** The frame sent before the close code: `{"msg": msg, "data": <the text of key>}`. */
  frame?: { msg: 'fail' | 'force_logout'; key: string };
  /** The session is over: the client must log in again. */
  terminal: boolean;
}

export const DISCONNECTS = {
  normal: { code: 1000, reason: 'normal', terminal: false },
  goingAway: { code: 1001, reason: 'going_away', terminal: false },
  noStatus: { code: 1005, reason: 'no_status', terminal: false },
  /** No close frame: network, outage, slow reader, shutdown, a socket beyond WS_MAX_PER_SESSION. */
  dropped: { code: 1006, reason: 'dropped', terminal: false },
  /** A client frame over WS_MAX_FRAME_BYTES (the ws library closes it itself). */
  frameTooBig: { code: 1009, reason: 'frame_too_big', terminal: false },
  /** Not authenticated, logged out, user deleted. */
  unauthenticated: { code: 4001, reason: 'unauthenticated', frame: { msg: 'fail', key: 'error.tokenInvalid' }, terminal: true },
  expired: { code: 4002, reason: 'expired', frame: { msg: 'fail', key: 'error.tokenExpired' }, terminal: true },
  disabled: { code: 4003, reason: 'disabled', frame: { msg: 'fail', key: 'error.userDisabled' }, terminal: true },
  /** Revoked by a login elsewhere. */
  replaced: { code: 4004, reason: 'replaced', frame: { msg: 'force_logout', key: 'messaging.frame.forceLogout' }, terminal: true },
  /** More client frames than WS_CLIENT_FRAME_LIMIT per window: no frame before the code. */
  tooManyFrames: { code: 4008, reason: 'too_many_frames', terminal: false },
} as const satisfies Record<string, Disconnect>;

/** Codes of the events that end sessions (logout, revocation) or a user's sockets (disabled, deleted). */
export type EndCode = typeof DISCONNECTS.unauthenticated.code | typeof DISCONNECTS.replaced.code;
export type UserEndCode = typeof DISCONNECTS.unauthenticated.code | typeof DISCONNECTS.disabled.code;

const byCode = new Map<number, Disconnect>(Object.values(DISCONNECTS).map(d => [ d.code, d ]));

/** The row of a close code; undefined for a code outside the table (a client may send any). */
export const disconnectOf = (code: number): Disconnect | undefined => byCode.get(code);

/**
 * The session-over row whose frame carries the text `key` (a refused handshake's error); any
 * other failed authentication is 4001.
 */
export function terminalDisconnectFor(key: string): Disconnect {
  return Object.values(DISCONNECTS).find(d => d.terminal && d.frame?.key === key && d.frame.msg === 'fail') ?? DISCONNECTS.unauthenticated;
}
