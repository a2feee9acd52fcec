import { Service } from 'egg';
import { SessionOverError } from '../../lib/messaging/errors';
import { BrokerEvent, EndCode, InboxEntry, entryFields, entryFromFields } from '../../lib/messaging/events';
import { clientMsgKey, cursorKey, eventChannel, holdKey, inboxKey, processKey, socketOrderKey, socketsKey } from '../../lib/messaging/keys';
import { ACK_CURSOR, APPEND_ENTRY, CLOSE_SOCKET, OPEN_SOCKET, RELEASE_HOLD, START_CURSOR, TAKE_HOLD } from '../../lib/messaging/scripts';

const ACTIVE_WINDOW_MS = 7 * 24 * 3600 * 1000;

/** An entry appended to an inbox, and the event that announces it once its transaction commits. */
export interface QueuedEntry {
  uid: number;
  event: Extract<BrokerEvent, { t: 'entry' }>;
}

/**
 * The broker (README "Messaging"): per-user inboxes (Redis Streams), per-session cursors and
 * per-user event channels. Business code appends and publishes here; it never touches a socket.
 */
export default class BrokerService extends Service {
  private get redis() {
    const { redis } = this.app;
    if (typeof redis.msgAppend !== 'function') {
      redis.defineCommand('msgAppend', { numberOfKeys: 1, lua: APPEND_ENTRY });
      redis.defineCommand('msgStartCursor', { numberOfKeys: 1, lua: START_CURSOR });
      redis.defineCommand('msgAckCursor', { numberOfKeys: 2, lua: ACK_CURSOR });
      redis.defineCommand('msgOpenSocket', { numberOfKeys: 3, lua: OPEN_SOCKET });
      redis.defineCommand('msgCloseSocket', { numberOfKeys: 1, lua: CLOSE_SOCKET });
      redis.defineCommand('msgTakeHold', { numberOfKeys: 2, lua: TAKE_HOLD });
      redis.defineCommand('msgReleaseHold', { numberOfKeys: 1, lua: RELEASE_HOLD });
    }
    return redis;
  }

  private get settings() {
    return this.config.im.messaging;
  }

  private get ttlMs() {
    return this.config.im.token.ttlSeconds * 1000;
  }

  /** Appends an entry to the user's inbox; returns the event announcing it (publish after commit). */
  async append(uid: number, entry: Omit<InboxEntry, 'id'>, data: unknown): Promise<QueuedEntry> {
    const { inboxMax, inboxTtl } = this.settings;
    const [ id, prev ] = await this.redis.msgAppend(inboxKey(uid), inboxMax, `${Date.now() - inboxTtl * 1000}`, inboxTtl * 1000, ...entryFields(entry));
    const event: QueuedEntry['event'] = { t: 'entry', e: id, p: prev, k: entry.kind, d: data };
    if (entry.origin) event.o = entry.origin;
    return { uid, event };
  }

  /** Up to `count` entries after `after`, in inbox order. */
  async read(uid: number, after: string, count: number): Promise<InboxEntry[]> {
    const rows = await this.redis.xrange(inboxKey(uid), `(${after}`, '+', 'COUNT', count);
    return rows.map(([ id, fields ]) => entryFromFields(id, fields));
  }

  async publish(uid: number, event: BrokerEvent): Promise<void> {
    await this.redis.publish(eventChannel(this.settings.channelPrefix, uid), JSON.stringify(event));
  }

  /**
   * A notice not stored in history (kind `n`, the frame's data inline): appended to the user's
   * inbox and announced, so every session gets it once, offline ones on their next connect.
   * Call after the commit of what it tells.
   */
  async notify(uid: number, data: unknown): Promise<void> {
    await this.announce([ await this.append(uid, { kind: 'n', inline: JSON.stringify(data) }, data) ]);
  }

  /** Publishes queued entries; a lost event only delays delivery (inbox + heartbeat tick). */
  async announce(entries: QueuedEntry[]): Promise<void> {
    await Promise.all(entries.map(({ uid, event }) => this.publish(uid, event).catch(err => {
      this.logger.warn('[messaging] event for user %d not published: %s', uid, err.message);
    })));
  }

  /** CONTRACT: a new session's starting cursor is fixed at login (app/service/session.ts). */
  async sessionOpened(uid: number, sid: string, revoked: string[]): Promise<void> {
    await this.redis.msgStartCursor(cursorKey(uid), sid, Date.now(), this.ttlMs);
    if (revoked.length) await this.endSessions(uid, revoked, 4004);
  }

  /** Drops a deleted user's inbox, cursors and socket counts (one Cluster slot: the keys share `{uid}`). */
  async forgetUser(uid: number): Promise<void> {
    await this.redis.del(inboxKey(uid), cursorKey(uid), socketsKey(uid), socketOrderKey(uid), holdKey(uid));
  }

  /** Closes the sockets of sessions that are over, on every process. */
  async endSessions(uid: number, sids: string[], code: EndCode): Promise<void> {
    await this.publish(uid, { t: 'end', s: sids, c: code });
  }

  /**
   * On connect: registers the socket with the user's next open number (the session's active
   * socket is the one with the highest: decided here, atomically, not by arrival order at a
   * process) and returns the session's cursor, how many sockets the session has open (all
   * processes), that open number, and the sockets beyond WS_MAX_PER_SESSION (to drop). The
   * 'open' event is published by the script itself. Prunes the cursors of sessions that no
   * longer exist. Throws SessionOverError (and registers nothing) when the session itself is no
   * longer live.
   */
  async socketOpened(uid: number, sid: string, socketId: string): Promise<{ cursor: string; sockets: number; order: number; dropped: string[] }> {
    const live = await this.redis.zrange(this.config.im.session.keyPrefix + uid, 0, -1);
    const reply = await this.redis.msgOpenSocket(cursorKey(uid), socketsKey(uid), socketOrderKey(uid), sid,
      Date.now(), this.ttlMs, socketId, this.settings.wsMaxPerSession, eventChannel(this.settings.channelPrefix, uid), ...live);
    if (!reply.length) throw new SessionOverError();
    const [ cursor, sockets, order, ...dropped ] = reply;
    return { cursor: String(cursor), sockets: Number(sockets), order: Number(order), dropped: dropped.map(String) };
  }

  /** The device confirmed everything up to `entryId`. */
  async ack(uid: number, sid: string, entryId: string): Promise<void> {
    await this.redis.msgAckCursor(cursorKey(uid), inboxKey(uid), sid, entryId, Date.now(), ACTIVE_WINDOW_MS, this.ttlMs);
  }

  /**
   * The socket starts reading the session's cursor: it takes the session's hold, unless another
   * socket has it (`takeOver`: that hold, of a process found gone, is taken anyway).
   */
  async takeHold(uid: number, sid: string, socketId: string, processId: string, takeOver: string): Promise<{ cursor: string } | { held: string; processId: string }> {
    const [ taken, value ] = await this.redis.msgTakeHold(holdKey(uid), cursorKey(uid), sid, socketId, processId, this.ttlMs, takeOver);
    if (Number(taken) === 1) return { cursor: String(value) };
    return { held: String(value), processId: String(value).split(' ')[1] ?? '' };
  }

  /** The socket stops reading: its last confirmation (if any) is written, then the hold goes. */
  async releaseHold(uid: number, sid: string, socketId: string, confirmed: string | null): Promise<void> {
    if (confirmed) await this.ack(uid, sid, confirmed);
    await this.redis.msgReleaseHold(holdKey(uid), sid, socketId);
  }

  async markProcessAlive(processId: string, ttlMs: number): Promise<void> {
    await this.redis.set(processKey(processId), '1', 'PX', ttlMs);
  }

  async processAlive(processId: string): Promise<boolean> {
    return (await this.redis.exists(processKey(processId))) === 1;
  }

  /** Unregisters the socket; if it was the session's active one, the next newest is promoted (by the script's event). */
  async socketClosed(uid: number, sid: string, socketId: string): Promise<void> {
    await this.redis.msgCloseSocket(socketsKey(uid), sid, socketId, eventChannel(this.settings.channelPrefix, uid));
  }

  /** How many sessions the user holds (sync copies only when there is another one). */
  async sessionCount(uid: number): Promise<number> {
    return this.redis.zcard(this.config.im.session.keyPrefix + uid);
  }

  // client_msg_id: "p:<token>" while a send holds it, then the message id for 24 h.

  /** Claims the id for a send; returns null when claimed, else what the key holds. */
  async claimClientMsgId(uid: number, clientMsgId: string, token: string): Promise<string | null> {
    const key = clientMsgKey(uid, clientMsgId);
    const set = await this.redis.set(key, `p:${token}`, 'PX', this.settings.clientMsgClaimMs, 'NX');
    return set ? null : (await this.redis.get(key)) ?? '';
  }

  async setClientMsgId(uid: number, clientMsgId: string, messageId: string): Promise<void> {
    await this.redis.set(clientMsgKey(uid, clientMsgId), messageId, 'EX', this.settings.clientMsgTtl);
  }

  /** Frees the key if it still holds `value` (a claim given up, or a message that was never committed). */
  async releaseClientMsgId(uid: number, clientMsgId: string, value: string): Promise<void> {
    const key = clientMsgKey(uid, clientMsgId);
    await this.redis.eval('if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("DEL", KEYS[1]) end return 0', 1, key, value);
  }
}
