// The broker on Redis (README "Messaging"): inboxes are Streams, cursors, open numbers and holds
// hashes and sorted sets changed by the Lua scripts of app/lib/messaging/scripts.ts, events go
// through Pub/Sub. Every key of a user shares the `{uid}` hash tag (one Cluster slot).
import { Application } from 'egg';
import { SessionOverError } from '../lib/messaging/errors';
import { BrokerEvent, InboxEntry, entryFields, entryFromFields, eventsPerUser } from '../lib/messaging/events';
import { DISCONNECTS } from '../lib/messaging/disconnects';
import { channelUser, clientMsgKey, cursorKey, eventChannel, holdKey, inboxKey, processKey, socketOrderKey, socketsKey } from '../lib/messaging/keys';
import { ACK_CURSOR, APPEND_ENTRY, CLOSE_SOCKET, OPEN_SOCKET, RELEASE_HOLD, START_CURSOR, TAKE_HOLD } from '../lib/messaging/scripts';
import { turnCommand } from '../lib/redisTurn';
import { AppendRequest, BaseBroker, Broker, BrokerListener, Hold, OpenedSocket, QueuedEntry } from './broker';

type Redis = Application['redis'];

const ACTIVE_WINDOW_MS = 7 * 24 * 3600 * 1000;

/** APPEND_ENTRY's reply { new id, previous id } as the event announcing the entry. */
function queuedEntry(uid: number, entry: Omit<InboxEntry, 'id'>, data: unknown, [ id, prev ]: [ string, string ]): QueuedEntry {
  const event: QueuedEntry['event'] = { t: 'entry', e: id, p: prev, k: entry.kind, d: data };
  if (entry.origin) event.o = entry.origin;
  return { uid, event };
}

export class RedisBroker extends BaseBroker implements Broker {
  private subscriber?: Redis;

  constructor(private readonly app: Application) {
    super();
  }

  /** The app's client (read each time: tests may replace it), with the scripts defined once. */
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

  /** Read at each call: tests change them. */
  private get settings() {
    return this.app.config.im.messaging;
  }

  private get ttlMs() {
    return this.app.config.im.token.ttlSeconds * 1000;
  }

  private channel(uid: number) {
    return eventChannel(this.settings.channelPrefix, uid);
  }

  protected warn(message: string, ...args: unknown[]) {
    this.app.logger.warn(message, ...args);
  }

  /** APPEND_ENTRY's arguments after the key: max entries, oldest id kept, ttl ms, the entry's fields. */
  private appendArgs(entry: Omit<InboxEntry, 'id'>): [ number, string, number, ...string[] ] {
    const { inboxMax, inboxTtl } = this.settings;
    return [ inboxMax, `${Date.now() - inboxTtl * 1000}`, inboxTtl * 1000, ...entryFields(entry) ];
  }

  async append(uid: number, entry: Omit<InboxEntry, 'id'>, data: unknown): Promise<QueuedEntry> {
    return queuedEntry(uid, entry, data, await this.redis.msgAppend(inboxKey(uid), ...this.appendArgs(entry)));
  }

  /**
   * A group's fan-out: one pipeline of APPEND_ENTRY calls, one per user, a single write and a
   * single wait whatever the number of users. A Cluster pipeline must stay within one node's
   * slots, and every user is a slot of its own ({uid}), so on a Cluster the calls go out
   * concurrently instead (ioredis writes them without waiting for replies; with
   * enableAutoPipelining it batches them per node).
   */
  async appendMany(uids: number[], entry: Omit<InboxEntry, 'id'>, data: unknown): Promise<QueuedEntry[]> {
    const { redis } = this;
    if (uids.length < 2 || (redis as { isCluster?: boolean }).isCluster) {
      const args = this.appendArgs(entry);
      return Promise.all(uids.map(async uid => queuedEntry(uid, entry, data, await redis.msgAppend(inboxKey(uid), ...args))));
    }
    return this.pipelined(uids.map(uid => ({ uid, entry, data })));
  }

  /** A batch of sends' entries: one pipeline as appendMany; a single entry, or a Cluster, through append(). */
  async appendEach(entries: AppendRequest[]): Promise<QueuedEntry[]> {
    if (entries.length < 2 || (this.redis as { isCluster?: boolean }).isCluster) {
      return Promise.all(entries.map(({ uid, entry, data }) => this.append(uid, entry, data)));
    }
    return this.pipelined(entries);
  }

  private async pipelined(entries: AppendRequest[]): Promise<QueuedEntry[]> {
    type Args = ReturnType<RedisBroker['appendArgs']>;
    const pipeline = this.redis.pipeline() as unknown as { msgAppend(key: string, ...rest: Args): void; exec(): Promise<Array<[ Error | null, unknown ]>> };
    for (const { uid, entry } of entries) pipeline.msgAppend(inboxKey(uid), ...this.appendArgs(entry));
    const replies = await pipeline.exec();
    return entries.map(({ uid, entry, data }, i) => {
      const [ err, reply ] = replies[i];
      if (err) throw err;
      return queuedEntry(uid, entry, data, reply as [ string, string ]);
    });
  }

  /** Many events (a group's fan-out) in one pipeline; one event, or a Cluster, as in BaseBroker. */
  async announce(entries: QueuedEntry[]): Promise<void> {
    const { redis } = this;
    if (entries.length < 2 || (redis as { isCluster?: boolean }).isCluster) return super.announce(entries);
    const events = eventsPerUser(entries);
    const pipeline = redis.pipeline();
    for (const { uid, event } of events) pipeline.publish(this.channel(uid), JSON.stringify(event));
    try {
      const replies = (await pipeline.exec()) ?? [];
      replies.forEach(([ err ], i) => {
        if (err) this.warn('[messaging] event for user %d not published: %s', events[i].uid, err.message);
      });
    } catch (err) {
      this.warn('[messaging] events for %d users not published: %s', events.length, (err as Error).message);
    }
  }

  async read(uid: number, after: string, count: number): Promise<InboxEntry[]> {
    // With the other commands of this turn (app/lib/redisTurn.ts): a heartbeat's catch-ups of many sockets are one pipeline.
    const rows = await turnCommand<Array<[ string, string[] ]>>(this.redis, 'xrange', inboxKey(uid), `(${after}`, '+', 'COUNT', count);
    return rows.map(([ id, fields ]) => entryFromFields(id, fields));
  }

  async publish(uid: number, event: BrokerEvent): Promise<void> {
    await this.redis.publish(this.channel(uid), JSON.stringify(event));
  }

  async sessionOpened(uid: number, sid: string, revoked: string[]): Promise<void> {
    await this.redis.msgStartCursor(cursorKey(uid), sid, Date.now(), this.ttlMs);
    if (revoked.length) await this.endSessions(uid, revoked, DISCONNECTS.replaced.code);
  }

  async forgetUser(uid: number): Promise<void> {
    await this.redis.del(inboxKey(uid), cursorKey(uid), socketsKey(uid), socketOrderKey(uid), holdKey(uid));
  }

  /** Also prunes the cursors of sessions that no longer exist; the 'open' event is published by the script itself. */
  async socketOpened(uid: number, sid: string, socketId: string): Promise<OpenedSocket> {
    const live = await this.redis.zrange(this.app.config.im.session.keyPrefix + uid, 0, -1);
    const reply = await this.redis.msgOpenSocket(cursorKey(uid), socketsKey(uid), socketOrderKey(uid), sid,
      Date.now(), this.ttlMs, socketId, this.settings.wsMaxPerSession, this.channel(uid), ...live);
    if (!reply.length) throw new SessionOverError();
    const [ cursor, sockets, order, ...dropped ] = reply;
    return { cursor: String(cursor), sockets: Number(sockets), order: Number(order), dropped: dropped.map(String) };
  }

  async ack(uid: number, sid: string, entryId: string): Promise<void> {
    await this.redis.msgAckCursor(cursorKey(uid), inboxKey(uid), sid, entryId, Date.now(), ACTIVE_WINDOW_MS, this.ttlMs);
  }

  async takeHold(uid: number, sid: string, socketId: string, processId: string, takeOver: string): Promise<Hold> {
    const [ taken, value ] = await this.redis.msgTakeHold(holdKey(uid), cursorKey(uid), sid, socketId, processId, this.ttlMs, takeOver);
    if (Number(taken) === 1) return { cursor: String(value) };
    return { held: String(value), processId: String(value).split(' ')[1] ?? '' };
  }

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

  async socketClosed(uid: number, sid: string, socketId: string): Promise<void> {
    await this.redis.msgCloseSocket(socketsKey(uid), sid, socketId, this.channel(uid));
  }

  async sessionCount(uid: number): Promise<number> {
    return turnCommand<number>(this.redis, 'zcard', this.app.config.im.session.keyPrefix + uid);
  }

  // client_msg_id: "p:<token>" while a send holds it, then the message id for 24 h.

  async claimClientMsgId(uid: number, clientMsgId: string, token: string): Promise<string | null> {
    const key = clientMsgKey(uid, clientMsgId);
    const set = await this.redis.set(key, `p:${token}`, 'PX', this.settings.clientMsgClaimMs, 'NX');
    return set ? null : (await this.redis.get(key)) ?? '';
  }

  async setClientMsgId(uid: number, clientMsgId: string, messageId: string): Promise<void> {
    await this.redis.set(clientMsgKey(uid, clientMsgId), messageId, 'EX', this.settings.clientMsgTtl);
  }

  async releaseClientMsgId(uid: number, clientMsgId: string, value: string): Promise<void> {
    const key = clientMsgKey(uid, clientMsgId);
    await this.redis.eval('if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("DEL", KEYS[1]) end return 0', 1, key, value);
  }

  /** One subscriber connection per process for the event channels of the users it holds. */
  listen(listener: BrokerListener) {
    const subscriber: Redis = (this.app.redis as any).duplicate({ enableOfflineQueue: true, autoResubscribe: false });
    this.subscriber = subscriber;
    subscriber.on('error', () => undefined); // the hub's dependency watch reports outages
    subscriber.on('message', (channel: string, text: string) => {
      const uid = channelUser(this.settings.channelPrefix, channel);
      if (uid === null) return;
      let event: BrokerEvent;
      try {
        event = JSON.parse(text);
      } catch {
        return;
      }
      listener.event(uid, event);
    });
    subscriber.on('ready', () => listener.ready());
    subscriber.on('close', () => listener.lost());
  }

  get listening() {
    return this.subscriber?.status === 'ready';
  }

  async subscribe(uid: number): Promise<void> {
    await this.subscriber!.subscribe(this.channel(uid));
  }

  async unsubscribe(uid: number): Promise<void> {
    await this.subscriber!.unsubscribe(this.channel(uid));
  }

  resubscribe(uids: number[]) {
    const subscriber = this.subscriber!;
    subscriber.unsubscribe().catch(() => undefined);
    if (uids.length) subscriber.subscribe(...uids.map(uid => this.channel(uid))).catch(() => undefined);
  }

  close() {
    this.subscriber?.disconnect();
  }
}
