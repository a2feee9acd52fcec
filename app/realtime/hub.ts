import { randomBytes } from 'node:crypto';
import { Server } from 'node:http';
import { Application, Context } from 'egg';
import { QueryTypes } from 'sequelize';
import WebSocket, { WebSocketServer } from 'ws';
import { isUnreachable } from '../lib/dependencyErrors';
import { SessionOverError } from '../lib/messaging/errors';
import { BrokerEvent, CLOSE, frameTypeOf } from '../lib/messaging/events';
import { channelUser, eventChannel } from '../lib/messaging/keys';
import { frameText, messageObject, revokeNotice } from '../lib/messaging/messageView';
import type { SessionClaims } from '../service/session';
import { Connection, ConnectionHost, Outgoing } from './connection';
import { handleUpgrade } from './upgrade';
import { openSockets } from '../lib/metrics/registry';

type Redis = Application['redis'];

const ignore = () => undefined;

/**
 * The connection layer of one process (README "Messaging"): the sockets it holds, one Redis
 * subscriber for their users' event channels, the heartbeat, and the dependency watch. It
 * reads the inbox and the store through the messaging services; nothing else reaches a socket.
 */
export class Hub implements ConnectionHost {
  readonly wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, clientTracking: false, maxPayload: 4096 });
  private readonly byUser = new Map<number, Set<Connection>>();
  /** Per session with a socket here: the highest open number seen (its active socket's, README "Messaging"). */
  private readonly newest = new Map<string, number>();
  private size = 0;
  private subscriber?: Redis;
  /** The pending timer of each periodic job (heartbeat, dependency watch). */
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private dependenciesUp = true;
  private stopping = false;

  constructor(readonly app: Application) {}

  get settings() {
    return this.app.config.im.messaging;
  }

  /** Handshakes are refused (503) while this is false: a dependency is down, or the process stops. */
  get healthy() {
    return this.dependenciesUp && !this.stopping && this.subscriber?.status === 'ready';
  }

  get full() {
    return this.size >= this.settings.wsMaxPerProcess;
  }

  start() {
    this.wss.options.maxPayload = this.settings.maxFrameBytes;
    const subscriber: Redis = (this.app.redis as any).duplicate({ enableOfflineQueue: true, autoResubscribe: false });
    this.subscriber = subscriber;
    subscriber.on('error', () => undefined); // the dependency watch reports outages
    subscriber.on('message', (channel: string, text: string) => this.onMessage(channel, text));
    subscriber.on('ready', () => this.resubscribe());
    subscriber.on('close', () => this.dropAll());
    this.service().broker.markProcessAlive(this.processId, 3 * this.settings.healthCheckMs).catch(ignore);
    this.loop('dependencies', () => this.checkDependencies(), () => this.settings.healthCheckMs);
    this.loop('heartbeat', () => this.tick(), () => Math.min(1000, this.settings.heartbeatMs));
  }

  /** Runs `work` every `every()` ms, one run at a time (the period is read each time: tests shorten it). */
  private loop(name: string, work: () => Promise<void> | void, every: () => number) {
    const run = async () => {
      try {
        await work();
      } catch (err) {
        this.warn('[messaging] %s', (err as Error).message);
      }
      if (!this.stopping) this.timers.set(name, setTimeout(run, every()).unref());
    };
    this.timers.set(name, setTimeout(run, every()).unref());
  }

  attach(server: Server) {
    server.on('upgrade', (req, socket, head) => {
      handleUpgrade(this, req, socket, head).catch(err => {
        this.warn('[messaging] handshake failed: %s', err.message);
        socket.destroy();
      });
    });
  }

  /** A text of config/locale in the language of the socket's handshake (egg-i18n's app.__). */
  private text(locale: string, key: string): string {
    return (this.app as unknown as { __(locale: string, key: string): string }).__(locale, key);
  }

  warn(message: string, ...args: unknown[]) {
    this.app.coreLogger.warn(message, ...args);
  }

  // The broker and store services hold no request state: one context serves every delivery,
  // instead of a new context per read, ack and closed socket.
  private services?: Context['service']['messaging'];

  private service() {
    return (this.services ??= this.app.createAnonymousContext().service.messaging);
  }

  /** A handshake passed every check: register the socket and start delivering. */
  async accept(ws: WebSocket, uid: number, sid: string, exp: number, locale: string) {
    const conn = new Connection(ws, uid, sid, exp, locale, this);
    const now = Date.now();
    conn.nextBeat = now + this.settings.heartbeatMs;
    conn.nextUserCheck = now + this.settings.userCheckMs;
    ws.on('message', (data, isBinary) => {
      if (conn.onClientFrame(isBinary ? '' : data.toString()) === 'tooMany') conn.end(CLOSE.tooManyFrames);
    });
    ws.on('error', ignore); // e.g. a frame over 4 KB: ws closes with 1009 itself
    ws.on('close', () => this.remove(conn));
    await this.add(conn);
    // The session was live at the handshake, but a logout since then published its event before
    // this process listened on the user's channel: check again, now that it listens.
    if (!(await this.stillLive(conn))) return this.end(conn, CLOSE.unauthenticated);
    conn.sendRaw(JSON.stringify({ type: 'system', data: this.text(locale, 'messaging.frame.welcome'), timestamp: Date.now() }));
    const broker = this.service().broker;
    try {
      // The open number decides which socket of the session is active (the highest); the script
      // publishes it to the other processes ('open' event).
      const { cursor, order, dropped } = await broker.socketOpened(uid, sid, conn.id);
      conn.order = order;
      if (conn.closed) {
        await broker.socketClosed(uid, sid, conn.id); // it closed while being registered
        return;
      }
      this.opened(uid, sid, order, dropped);
      conn.start(await this.holdCursor(conn) ?? cursor);
    } catch (err) {
      if (err instanceof SessionOverError) return this.end(conn, CLOSE.unauthenticated);
      this.warn('[messaging] socket of user %d not started: %s', uid, (err as Error).message);
      conn.drop();
    }
  }

  private stillLive(conn: Connection): Promise<boolean> {
    return this.app.createAnonymousContext().service.session.isLive({ id: conn.uid, sid: conn.sid } as SessionClaims);
  }

  private async add(conn: Connection) {
    this.size++;
    openSockets.inc();
    const set = this.byUser.get(conn.uid);
    if (set) {
      set.add(conn);
      return;
    }
    this.byUser.set(conn.uid, new Set([ conn ]));
    await this.subscriber!.subscribe(eventChannel(this.settings.channelPrefix, conn.uid));
  }

  private remove(conn: Connection) {
    conn.closed = true;
    const set = this.byUser.get(conn.uid);
    if (!set?.delete(conn)) return;
    this.size--;
    openSockets.dec();
    if (conn.order) this.service().broker.socketClosed(conn.uid, conn.sid, conn.id).catch(() => undefined);
    if (![ ...set ].some(other => other.sid === conn.sid)) this.newest.delete(conn.sid);
    this.handOver(conn);
    if (set.size) return;
    this.byUser.delete(conn.uid);
    this.subscriber!.unsubscribe(eventChannel(this.settings.channelPrefix, conn.uid)).catch(() => undefined);
  }

  /**
   * A socket of `sid` was registered with open number `order` (here or on another process): the
   * session's sockets registered earlier go passive, whatever order their answers arrive in (a
   * socket whose own number is below one already seen starts passive); those over the ceiling
   * are dropped.
   */
  private opened(uid: number, sid: string, order: number, dropped: string[]) {
    const conns = [ ...this.byUser.get(uid) ?? [] ];
    if (!conns.some(conn => conn.sid === sid)) return;
    const newest = Math.max(this.newest.get(sid) ?? 0, order);
    this.newest.set(sid, newest);
    for (const conn of conns) {
      if (dropped.includes(conn.id)) conn.drop();
      else if (conn.sid === sid && conn.order && conn.order < newest && conn.active) conn.deactivate();
    }
  }

  /** The session's active socket (number `was`) closed and `socketId` (number `order`) is the next newest: it becomes active. */
  private async promoted(uid: number, sid: string, socketId: string, order: number, was: number) {
    const conn = [ ...this.byUser.get(uid) ?? [] ].find(c => c.id === socketId && c.sid === sid);
    if (!conn || conn.closed || (this.newest.get(sid) ?? 0) > was) return; // a newer socket opened meanwhile
    this.newest.set(sid, order);
    if (!conn.activate()) return;
    try {
      // It reads the session's cursor once it holds it (the closed socket's confirmations first).
      const cursor = await this.holdCursor(conn);
      if (cursor !== null && this.newest.get(sid) === order) conn.start(cursor);
    } catch (err) {
      this.warn('[messaging] socket of user %d not promoted: %s', uid, (err as Error).message);
      conn.drop(); // the client reconnects: its new socket is the newest
    }
  }

  private onMessage(channel: string, text: string) {
    const uid = channelUser(this.settings.channelPrefix, channel);
    const conns = uid === null ? undefined : this.byUser.get(uid);
    if (!conns) return;
    let event: BrokerEvent;
    try {
      event = JSON.parse(text);
    } catch {
      return;
    }
    switch (event.t) {
      case 'entry':
        for (const conn of conns) conn.onEntry(event);
        break;
      case 'end':
        for (const conn of [ ...conns ]) {
          if (event.s.includes(conn.sid)) this.end(conn, event.c);
        }
        break;
      case 'open':
        this.opened(uid!, event.s, event.n, event.x);
        break;
      case 'promote':
        void this.promoted(uid!, event.s, event.c, event.n, event.w);
        break;
      case 'user':
        for (const conn of [ ...conns ]) this.end(conn, event.c);
        break;
      case 'catchup':
        for (const conn of conns) if (conn.sid === event.s) void conn.catchUp();
        break;
      default:
        break;
    }
  }

  /** Closes a session that is over with its contract frame and code. */
  private end(conn: Connection, code: number) {
    const text = (key: string) => this.text(conn.locale, key);
    const frames: Record<number, string> = {
      [CLOSE.replaced]: JSON.stringify({ msg: 'force_logout', data: text('messaging.frame.forceLogout') }),
      [CLOSE.expired]: JSON.stringify({ msg: 'fail', data: text('error.tokenExpired') }),
      [CLOSE.disabled]: JSON.stringify({ msg: 'fail', data: text('error.userDisabled') }),
    };
    conn.end(code, frames[code] ?? JSON.stringify({ msg: 'fail', data: text('error.tokenInvalid') }));
  }

  /** Inbox entries after `after`, as frames for this connection, in inbox order. */
  async read(conn: Connection, after: string, count: number): Promise<Outgoing[]> {
    const { broker, store } = this.service();
    const entries = await broker.read(conn.uid, after, count);
    const wanted = entries.filter(e => e.messageId && e.origin !== conn.sid).map(e => e.messageId!);
    const rows = await store.messagesByIds([ ...new Set(wanted) ]);
    return entries.map(entry => {
      if (entry.origin === conn.sid) return { id: entry.id, frame: null };
      if (entry.kind === 'n') return { id: entry.id, frame: entry.inline ? frameText('singleChat', JSON.parse(entry.inline)) : null };
      const row = rows.get(entry.messageId ?? '');
      if (!row) return { id: entry.id, frame: null }; // its transaction never committed
      const data = entry.kind === 'r' || entry.kind === 'rs' ? revokeNotice(row) : messageObject(row);
      return { id: entry.id, frame: frameText(frameTypeOf(entry.kind), data) };
    });
  }

  async ack(conn: Connection, entryId: string) {
    try {
      await this.service().broker.ack(conn.uid, conn.sid, entryId);
    } catch (err) {
      this.unreleased.set(conn.id, conn); // written again at the next dependency check, or when it hands over
      throw err;
    }
  }

  // CONTRACT §3: a pong-confirmed frame never comes twice. A session's cursor is read by one
  // socket at a time, the one holding it (im:hold:{uid}); a confirmation that socket could not
  // write stays here and is written before the hold is let go, so no socket of the session, on
  // any process, reads from a cursor behind a confirmation. README "Messaging", confirmations.

  /** Sockets whose last confirmation (and, once they stop reading, their hold) is not written yet. */
  private readonly unreleased = new Map<string, Connection>();
  /** This process in the holds; `im:proc:<id>` is present while it is alive and reaches Redis. */
  readonly processId = randomBytes(9).toString('base64url');

  handOver(conn: Connection) {
    this.unreleased.set(conn.id, conn);
    void this.flushReleases();
  }

  /** Writes the confirmations kept here; a socket that stopped reading also lets go of its hold. */
  private async flushReleases() {
    const broker = this.service().broker;
    const write = async (conn: Connection) => {
      const reading = !conn.closed && conn.active;
      try {
        if (reading) await broker.ack(conn.uid, conn.sid, conn.lastConfirmed!);
        else await broker.releaseHold(conn.uid, conn.sid, conn.id, conn.lastConfirmed);
        if (reading === (!conn.closed && conn.active)) this.unreleased.delete(conn.id);
      } catch {
        // Redis unreachable: kept, and written before this process accepts sockets again
      }
    };
    const conns = [ ...this.unreleased.values() ];
    // After an outage every dropped socket is here: many at a time (ioredis pipelines them).
    for (let i = 0; i < conns.length; i += 500) await Promise.all(conns.slice(i, i + 500).map(write));
  }

  /**
   * Takes the session's hold for a new socket and returns the cursor to read from. Another socket
   * holding it is asked to let go (the 'open' event, again every second); a hold whose process has
   * been gone (no `im:proc:` key) for 5 dependency checks is taken over. Null if the socket closed
   * or went passive (a newer socket of the session opened) meanwhile.
   */
  private async holdCursor(conn: Connection): Promise<string | null> {
    const broker = this.service().broker;
    let gone = { held: '', since: 0 };
    let asked = 0;
    for (let wait = 50; !conn.closed && conn.active; wait = Math.min(2 * wait, 1000)) {
      await this.flushReleases(); // this process's own earlier sockets of the session first
      const takeOver = gone.since && Date.now() - gone.since >= 5 * this.settings.healthCheckMs ? gone.held : '';
      const hold = await broker.takeHold(conn.uid, conn.sid, conn.id, this.processId, takeOver);
      if ('cursor' in hold) {
        if (conn.closed || !conn.active) this.handOver(conn);
        return hold.cursor;
      }
      if (await broker.processAlive(hold.processId)) gone = { held: '', since: 0 };
      else if (gone.held !== hold.held) gone = { held: hold.held, since: Date.now() };
      if (Date.now() - asked >= 1000) {
        asked = Date.now();
        await broker.publish(conn.uid, { t: 'open', s: conn.sid, c: conn.id, n: conn.order, x: [] });
      }
      await new Promise(resolve => setTimeout(resolve, wait));
    }
    return null;
  }

  /**
   * CONTRACT: heartbeat. Every WS_HEARTBEAT_MS a JSON ping and a protocol ping, and the
   * session, expiry and (every WS_USER_CHECK_MS, batched) the user row are checked again; a
   * socket silent for WS_IDLE_TIMEOUT_MS is dropped. Each beat also catches up, so a lost
   * event only delays a frame.
   */
  private async tick() {
    const now = Date.now();
    const due: Connection[] = [];
    for (const set of this.byUser.values()) {
      for (const conn of set) {
        if (conn.closed) continue;
        if (now - conn.lastSeen > this.settings.idleTimeoutMs) conn.drop();
        else if (now >= conn.nextBeat) due.push(conn);
      }
    }
    if (!due.length) return;
    const ctx = this.app.createAnonymousContext();
    const lives = await Promise.all(due.map(conn => ctx.service.session.isLive({ id: conn.uid, sid: conn.sid } as any).catch(() => null)));
    const userCheck = due.filter(conn => now >= conn.nextUserCheck);
    const standing = await this.standing(userCheck.map(conn => conn.uid));
    due.forEach((conn, i) => {
      conn.nextBeat = now + this.settings.heartbeatMs;
      if (conn.exp * 1000 <= now) return this.end(conn, CLOSE.expired);
      if (lives[i] === false) return this.end(conn, CLOSE.unauthenticated);
      if (standing && now >= conn.nextUserCheck) {
        conn.nextUserCheck = now + this.settings.userCheckMs;
        const user = standing.get(conn.uid);
        if (!user || user.is_deleted) return this.end(conn, CLOSE.unauthenticated);
        if (user.status !== 1) return this.end(conn, CLOSE.disabled);
      }
      conn.sendRaw('{"type":"ping"}');
      conn.ping();
      if (conn.active) void conn.catchUp();
    });
  }

  /** The users' standing by primary key, 1,000 per query; null if MySQL did not answer. */
  private async standing(ids: number[]) {
    const map = new Map<number, { status: number; is_deleted: number }>();
    const unique = [ ...new Set(ids) ];
    try {
      for (let i = 0; i < unique.length; i += 1000) {
        const rows = await this.app.model.query<{ id: number; status: number; is_deleted: number }>(
          'SELECT id, status, is_deleted FROM `user` WHERE id IN (:ids)',
          { type: QueryTypes.SELECT, replacements: { ids: unique.slice(i, i + 1000) }, useMaster: true });
        for (const row of rows) map.set(row.id, row);
      }
    } catch {
      return null;
    }
    return map;
  }

  /**
   * CONTRACT: with Redis or MySQL down, sockets are dropped (no close frame) and handshakes get
   * 503. Down means unreachable (refused, reset, closed), not slow: a busy process whose pool is
   * exhausted or whose commands time out keeps its sockets.
   */
  private async checkDependencies() {
    const probes = [ this.app.redis.ping(), this.app.model.query('SELECT 1', { useMaster: true } as any) ];
    const results = await Promise.allSettled(probes);
    if (results[0].status === 'fulfilled') {
      // Confirmations kept during an outage are written before this process takes sockets again.
      await this.flushReleases();
      await this.service().broker.markProcessAlive(this.processId, 3 * this.settings.healthCheckMs);
    }
    const failures = results.filter(result => result.status === 'rejected') as PromiseRejectedResult[];
    if (failures.some(failure => isUnreachable(failure.reason))) {
      if (this.dependenciesUp) this.warn('[messaging] Redis or MySQL unreachable: dropping %d sockets', this.size);
      this.dependenciesUp = false;
      this.dropAll();
    } else if (!failures.length) {
      this.dependenciesUp = true;
    }
  }

  /** After a (re)connect of the subscriber: exactly the channels of the users held here, then catch up. */
  private resubscribe() {
    const subscriber = this.subscriber!;
    subscriber.unsubscribe().catch(() => undefined);
    const channels = [ ...this.byUser.keys() ].map(uid => eventChannel(this.settings.channelPrefix, uid));
    if (channels.length) subscriber.subscribe(...channels).catch(() => undefined);
    for (const set of this.byUser.values()) for (const conn of set) if (conn.active) void conn.catchUp();
    void this.flushReleases();
  }

  private dropAll() {
    for (const set of this.byUser.values()) for (const conn of set) conn.drop();
  }

  /**
   * `npm stop`: no new sockets; those open are dropped without a close frame (the client
   * reconnects to another process), spread over `withinMs` so they do not all come back at once.
   */
  async stop(withinMs: number) {
    this.stopping = true;
    for (const timer of this.timers.values()) clearTimeout(timer);
    const conns = [ ...this.byUser.values() ].flatMap(set => [ ...set ]);
    const step = conns.length ? withinMs / conns.length : 0;
    for (const conn of conns) {
      conn.drop();
      if (step >= 1) await new Promise(resolve => setTimeout(resolve, step));
    }
    this.subscriber?.disconnect();
  }
}
