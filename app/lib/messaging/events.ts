// What travels through a user's inbox and event channel (README "Messaging", §3 and §6).
import { EndCode, UserEndCode } from './disconnects';
import { FrameType } from './messageView';

/** Entry kinds: message, sync copy, revoke, revoke copy, notice (inline). */
export type EntryKind = 'm' | 's' | 'r' | 'rs' | 'n';

export interface InboxEntry {
  /** Stream id: the entry's place in the inbox. */
  id: string;
  kind: EntryKind;
  /** The message (m, s, r, rs). */
  messageId?: string;
  /** The frame's `data` as JSON (n). */
  inline?: string;
  /** The acting session: its own copies are not sent to it. */
  origin?: string;
}

export const frameTypeOf = (kind: EntryKind): FrameType => (kind === 's' || kind === 'rs' ? 'singleChatSync' : 'singleChat');


/** A new inbox entry, with the frame's data: the common case reads nothing. */
export type EntryEvent = { t: 'entry'; e: string; p: string; k: EntryKind; d: unknown; o?: string };

/** Events on `im:ev:{uid}`, JSON. */
export type BrokerEvent =
  | EntryEvent
  /** Several new entries of one user, in inbox order: what one batch of the send path queued for them (eventsPerUser). */
  | { t: 'entries'; l: EntryEvent[] }
  /** Sessions that are over: logout (4001) or revoked by a login elsewhere (4004). */
  | { t: 'end'; s: string[]; c: EndCode }
  /**
   * Socket `c` of session `s` was registered with open number `n` (published by the OPEN_SOCKET
   * script): sockets of `s` registered earlier (lower numbers) go passive; those in `x` are dropped.
   */
  | { t: 'open'; s: string; c: string; n: number; x: string[] }
  /** The active socket (open number `w`) of session `s` closed: socket `c` (number `n`), the next newest, becomes active. */
  | { t: 'promote'; s: string; c: string; n: number; w: number }
  /** The user was disabled (4003) or deleted (4001). */
  | { t: 'user'; c: UserEndCode }
  /** chatGetmessageOffLine: the session's socket catches up. */
  | { t: 'catchup'; s: string };

/**
 * The events announcing `entries` (in inbox order per user), one per user: a user's single entry
 * as it is, several as one `entries` event. The send path publishes once per recipient per batch.
 */
export function eventsPerUser(entries: Array<{ uid: number; event: EntryEvent }>): Array<{ uid: number; event: BrokerEvent }> {
  const byUser = new Map<number, EntryEvent[]>();
  for (const { uid, event } of entries) {
    const events = byUser.get(uid);
    if (events) events.push(event);
    else byUser.set(uid, [ event ]);
  }
  return [ ...byUser ].map(([ uid, events ]) => ({ uid, event: events.length === 1 ? events[0] : { t: 'entries', l: events } }));
}

/** Stream fields -> entry. */
export function entryFromFields(id: string, fields: string[]): InboxEntry {
  const map: Record<string, string> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) map[fields[i]] = fields[i + 1];
  return { id, kind: map.k as EntryKind, messageId: map.id, inline: map.f, origin: map.o };
}

/** Entry -> stream fields. */
export function entryFields(entry: Omit<InboxEntry, 'id'>): string[] {
  const fields = [ 'k', entry.kind ];
  if (entry.messageId !== undefined) fields.push('id', entry.messageId);
  if (entry.inline !== undefined) fields.push('f', entry.inline);
  if (entry.origin !== undefined) fields.push('o', entry.origin);
  return fields;
}
