// The broker (README "Messaging"): per-user inboxes, per-session cursors and holds, the sockets'
// open numbers and per-user event channels. Business code appends and publishes here; it never
// touches a socket. One instance per process (app.broker, app/extend/application.ts): Redis in
// the app (app/realtime/redisBroker.ts), in memory in unit tests (app/realtime/memoryBroker.ts).
import { BrokerEvent, EntryEvent, eventsPerUser, InboxEntry } from '../lib/messaging/events';
import { EndCode } from '../lib/messaging/disconnects';

/** An entry appended to an inbox, and the event that announces it once its transaction commits. */
export interface QueuedEntry {
  uid: number;
  event: EntryEvent;
}

/** One entry for one user's inbox (appendEach). */
export interface AppendRequest {
  uid: number;
  entry: Omit<InboxEntry, 'id'>;
  data: unknown;
}

/** A socket registered: the session's cursor, its sockets (all processes), its open number, the sockets to drop. */
export interface OpenedSocket {
  cursor: string;
  sockets: number;
  order: number;
  dropped: string[];
}

/** takeHold: the session's cursor once the socket holds it, or who holds it now ("<socket id> <process id>"). */
export type Hold = { cursor: string } | { held: string; processId: string };

/** What the process's subscriber reports (app/realtime/hub.ts). */
export interface BrokerListener {
  /** An event on the channel of a user this process subscribed to. */
  event(uid: number, event: BrokerEvent): void;
  /** The subscriber (re)connected: subscribe again to the users held here. */
  ready(): void;
  /** The subscriber's connection closed: events may have been lost. */
  lost(): void;
}

export interface Broker {
  /** Appends an entry to the user's inbox; returns the event announcing it (publish after commit). */
  append(uid: number, entry: Omit<InboxEntry, 'id'>, data: unknown): Promise<QueuedEntry>;
  /**
   * Appends the same entry to every user's inbox (a group's fan-out) in one round trip to Redis
   * (one pipeline; on Redis Cluster, whose pipelines stay within one node, concurrent commands);
   * returns the events in `uids` order (publish after commit).
   */
  appendMany(uids: number[], entry: Omit<InboxEntry, 'id'>, data: unknown): Promise<QueuedEntry[]>;
  /**
   * Appends each entry to its user's inbox (a batch of sends) in one round trip to Redis, in the
   * order given (one pipeline; on a Cluster, concurrent commands); returns the events in that
   * order (publish after commit).
   */
  appendEach(entries: AppendRequest[]): Promise<QueuedEntry[]>;
  /** Up to `count` entries after `after`, in inbox order. */
  read(uid: number, after: string, count: number): Promise<InboxEntry[]>;
  publish(uid: number, event: BrokerEvent): Promise<void>;
  /**
   * A notice not stored in history (kind `n`, the frame's data inline): appended to the user's
   * inbox and announced, so every session gets it once, offline ones on their next connect.
   * Call after the commit of what it tells.
   */
  notify(uid: number, data: unknown): Promise<void>;
  /** notify() for many users at once (a group's unstored notices): one appendMany, then the events. */
  notifyMany(uids: number[], data: unknown): Promise<void>;
  /** Publishes queued entries; a lost event only delays delivery (inbox + heartbeat tick). */
  announce(entries: QueuedEntry[]): Promise<void>;
  /** CONTRACT: a new session's starting cursor is fixed at login (app/service/session.ts); `revoked` sessions end (4004). */
  sessionOpened(uid: number, sid: string, revoked: string[]): Promise<void>;
  /** Drops a deleted user's inbox, cursors, socket counts and holds. */
  forgetUser(uid: number): Promise<void>;
  /** Closes the sockets of sessions that are over, on every process. */
  endSessions(uid: number, sids: string[], code: EndCode): Promise<void>;
  /**
   * On connect: registers the socket with the user's next open number (the session's active
   * socket is the one with the highest: decided here, atomically, not by arrival order at a
   * process), announces it to the session's other sockets (the 'open' event) and drops those
   * beyond WS_MAX_PER_SESSION. Throws SessionOverError (registering nothing) when the session is
   * no longer live.
   */
  socketOpened(uid: number, sid: string, socketId: string): Promise<OpenedSocket>;
  /** Unregisters the socket; if it was the session's active one, the next newest is promoted (the 'promote' event). */
  socketClosed(uid: number, sid: string, socketId: string): Promise<void>;
  /** The device confirmed everything up to `entryId` (the cursor never moves back). */
  ack(uid: number, sid: string, entryId: string): Promise<void>;
  /**
   * The socket starts reading the session's cursor: it takes the session's hold, unless another
   * socket has it (`takeOver`: that hold, of a process found gone, is taken anyway).
   */
  takeHold(uid: number, sid: string, socketId: string, processId: string, takeOver: string): Promise<Hold>;
  /** The socket stops reading: its last confirmation (if any) is written, then the hold goes. */
  releaseHold(uid: number, sid: string, socketId: string, confirmed: string | null): Promise<void>;
  markProcessAlive(processId: string, ttlMs: number): Promise<void>;
  processAlive(processId: string): Promise<boolean>;
  /** How many sessions the user holds (sync copies only when there is another one). */
  sessionCount(uid: number): Promise<number>;
  /** client_msg_id: claims the id for a send; null when claimed, else what the key holds ("p:<token>" or a message id). */
  claimClientMsgId(uid: number, clientMsgId: string, token: string): Promise<string | null>;
  setClientMsgId(uid: number, clientMsgId: string, messageId: string): Promise<void>;
  /** Frees the key if it still holds `value` (a claim given up, or a message that was never committed). */
  releaseClientMsgId(uid: number, clientMsgId: string, value: string): Promise<void>;

  // This process's subscription to its users' event channels (one listener: the hub).
  listen(listener: BrokerListener): void;
  /** True while events of subscribed users arrive. */
  readonly listening: boolean;
  subscribe(uid: number): Promise<void>;
  unsubscribe(uid: number): Promise<void>;
  /** After a reconnect: exactly these users' channels. */
  resubscribe(uids: number[]): void;
  /** Stops listening. */
  close(): void;
}

/** What every broker derives from append and publish. */
export abstract class BaseBroker implements Pick<Broker, 'notify' | 'notifyMany' | 'announce' | 'endSessions'> {
  abstract append(uid: number, entry: Omit<InboxEntry, 'id'>, data: unknown): Promise<QueuedEntry>;
  abstract appendMany(uids: number[], entry: Omit<InboxEntry, 'id'>, data: unknown): Promise<QueuedEntry[]>;
  abstract publish(uid: number, event: BrokerEvent): Promise<void>;
  protected abstract warn(message: string, ...args: unknown[]): void;

  async notify(uid: number, data: unknown): Promise<void> {
    await this.announce([ await this.append(uid, { kind: 'n', inline: JSON.stringify(data) }, data) ]);
  }

  async notifyMany(uids: number[], data: unknown): Promise<void> {
    if (!uids.length) return;
    await this.announce(await this.appendMany(uids, { kind: 'n', inline: JSON.stringify(data) }, data));
  }

  async announce(entries: QueuedEntry[]): Promise<void> {
    await Promise.all(eventsPerUser(entries).map(({ uid, event }) => this.publish(uid, event).catch(err => {
      this.warn('[messaging] event for user %d not published: %s', uid, err.message);
    })));
  }

  async endSessions(uid: number, sids: string[], code: EndCode): Promise<void> {
    await this.publish(uid, { t: 'end', s: sids, c: code });
  }
}
