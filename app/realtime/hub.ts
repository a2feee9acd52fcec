import { randomBytes } from 'node:crypto';
import type { Application } from 'egg';
import WebSocket, { WebSocketServer } from 'ws';
import { Standing } from '../lib/account/standing';
import { isUnreachable } from '../lib/dependencyErrors';
import { DISCONNECTS, disconnectOf } from '../lib/messaging/disconnects';
import { SessionOverError } from '../lib/messaging/errors';
import { BrokerEvent, EntryKind, frameTypeOf } from '../lib/messaging/events';
import { MessageRow, frameText, messageObject, revokeNotice } from '../lib/messaging/messageView';
import { openSockets } from '../lib/metrics/registry';
import { isSessionLive } from '../lib/sessionScores';
import { Broker } from './broker';
import { Connection, ConnectionHost, Outgoing } from './connection';

const ignore = () => undefined;

export type MessagingSettings = Application['config']['im']['messaging'];

/** What the hub needs of its process: plain objects, created once (hubDeps(app) in the app, fakes in unit tests). */
export interface HubDeps {
  /** im.messaging, read at each use (tests change it). */
  readonly settings: MessagingSettings;
  readonly broker: Broker;
  /** Committed messages by id (app.repos.messages). */
  listMessages(ids: string[]): Promise<Map<string, MessageRow>>;
  /** Users' standing by id (app.repos.users). */
  listStandings(ids: number[]): Promise<Array<Standing | null>>;
  /** The session is neither revoked nor expired. */
  isLive(uid: number, sid: string): Promise<boolean>;
  /** A text of config/locale in a language. */
  text(locale: string, key: string): string;
  warn(message: string, ...args: unknown[]): void;
  /** Round trips to Redis and to MySQL (the dependency watch). */
  probes(): Array<Promise<unknown>>;
}

/** The hub's dependencies in the app, each resolved at use (the plugins load after the boot's constructor). */
export function hubDeps(app: Application): HubDeps {
  return {
    get settings() {
      return app.config.im.messaging;
    },
    get broker() {
      return app.broker;
    },
    listMessages: ids => app.repos.messages.listMessages(ids),
    listStandings: ids => app.repos.users.listStandings(ids),
    isLive: (uid, sid) => isSessionLive(app, uid, sid),
    text: (locale, key) => (app as unknown as { __(locale: string, key: string): string }).__(locale, key),
    warn: (message, ...args) => app.coreLogger.warn(message, ...args),
    probes: () => [ app.redis.ping(), app.repos.users.ping() ],
  };
}

/**
 * The connection layer of one process (README "Messaging"): the sockets it holds, the broker's
 * subscription to their users' event channels, the heartbeat, and the dependency watch. It
 * reads the inbox through the broker and messages through the repository (HubDeps); nothing
 * else reaches a socket.
 */
export class Hub implements ConnectionHost {
  readonly wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, clientTracking: false, maxPayload: 4096 });
  private readonly byUser = new Map<number, Set<Connection>>();
  /** Per session with a socket here: the highest open number seen (its active socket's, README "Messaging"). */
  private readonly newest = new Map<string, number>();
  private size = 0;
  private listening = false;
  /** The pending timer of each periodic job (heartbeat, dependency watch). */
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private dependenciesUp = true;
  private stopping = false;

  constructor(private readonly deps: HubDeps) {}

  get settings() {
    return this.deps.settings;
  }

  private get broker() {
    return this.deps.broker;
  }

  /** Handshakes are refused (503) while this is false: a dependency is down, or the process stops. */
  get healthy() {
    return this.dependenciesUp && !this.stopping && this.listening && this.broker.listening;
  }

  get full() {
    return this.size >= this.settings.wsMaxPerProcess;
  }

  /** The users with a socket here and how many sockets (the console's online figures, app/realtime/presence.ts). */
  presence(): { users: number[]; sockets: number } {
    return { users: [ ...this.byUser.keys() ], sockets: this.size };
  }

  start() {
    this.wss.options.maxPayload = this.settings.maxFrameBytes;
    this.listening = true;
    this.broker.listen({ event: (uid, event) => this.onEvent(uid, event), ready: () => this.resubscribe(), lost: () => this.dropAll() });
    this.broker.markProcessAlive(this.processId, 3 * this.settings.healthCheckMs).catch(ignore);
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

  /** A text of config/locale in the language of the socket's handshake. */
  private text(locale: string, key: string): string {
    return this.deps.text(locale, key);
  }

  warn(message: string, ...args: unknown[]) {
    this.deps.warn(message, ...args);
  }

  /** A handshake passed every check: register the socket and start delivering. */
  async accept(ws: WebSocket, uid: number, sid: string, exp: number, locale: string) {
    const conn = new Connection(ws, uid, sid, exp, locale, this);
    const now = Date.now();
    conn.nextBeat = now + this.settings.heartbeatMs;
    conn.nextUserCheck = now + this.settings.userCheckMs;
    ws.on('message', (data, isBinary) => {
      if (conn.onClientFrame(isBinary ? '' : data.toString()) === 'tooMany') conn.end(DISCONNECTS.tooManyFrames.code);
    });
    ws.on('error', ignore); // e.g. a frame over 4 KB: ws closes with 1009 itself
    ws.on('close', () => this.remove(conn));
    await this.add(conn);
    // The session was live at the handshake, but a logout since then published its event before
    // this process listened on the user's channel: check again, now that it listens.
    if (!(await this.deps.isLive(conn.uid, conn.sid))) return this.end(conn, DISCONNECTS.unauthenticated.code);
    conn.sendRaw(JSON.stringify({ type: 'system', data: this.text(locale, 'messaging.frame.welcome'), timestamp: Date.now() }));
    const { broker } = this;
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
      if (err instanceof SessionOverError) return this.end(conn, DISCONNECTS.unauthenticated.code);
      this.warn('[messaging] socket of user %d not started: %s', uid, (err as Error).message);
      conn.drop();
    }
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
    await this.broker.subscribe(conn.uid);
  }

  private remove(conn: Connection) {
    conn.closed = true;
    const set = this.byUser.get(conn.uid);
    if (!set?.delete(conn)) return;
    this.size--;
    openSockets.dec();
    if (conn.order) this.broker.socketClosed(conn.uid, conn.sid, conn.id).catch(() => undefined);
    if (![ ...set ].some(other => other.sid === conn.sid)) this.newest.delete(conn.sid);
    this.handOver(conn);
    if (set.size) return;
    this.byUser.delete(conn.uid);
    this.broker.unsubscribe(conn.uid).catch(() => undefined);
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

  /** An event on the channel of a user with sockets here. */
  private onEvent(uid: number, event: BrokerEvent) {
    const conns = this.byUser.get(uid);
    if (!conns) return;
    switch (event.t) {
      case 'entry':
        for (const conn of conns) conn.onEntry(event);
        break;
      case 'entries':
        for (const entry of event.l) for (const conn of conns) conn.onEntry(entry);
        break;
      case 'end':
        for (const conn of [ ...conns ]) {
          if (event.s.includes(conn.sid)) this.end(conn, event.c);
        }
        break;
      case 'open':
        this.opened(uid, event.s, event.n, event.x);
        break;
      case 'promote':
        void this.promoted(uid, event.s, event.c, event.n, event.w);
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

  /** Closes a session that is over with its frame and code (app/lib/messaging/disconnects.ts). */
  private end(conn: Connection, code: number) {
    const frame = disconnectOf(code)?.frame ?? DISCONNECTS.unauthenticated.frame;
    conn.end(code, JSON.stringify({ msg: frame.msg, data: this.text(conn.locale, frame.key) }));
  }

  /** Inbox entries after `after`, as frames for this connection, in inbox order. */
  async read(conn: Connection, after: string, count: number): Promise<Outgoing[]> {
    const entries = await this.broker.read(conn.uid, after, count);
    const wanted = entries.filter(e => e.messageId && e.origin !== conn.sid).map(e => e.messageId!);
    const rows = await this.deps.listMessages([ ...new Set(wanted) ]);
    return entries.map(entry => {
      if (entry.origin === conn.sid) return { id: entry.id, frame: null };
      if (entry.kind === 'n') return { id: entry.id, frame: entry.inline ? frameText('singleChat', JSON.parse(entry.inline)) : null };
      const row = rows.get(entry.messageId ?? '');
      if (!row) return { id: entry.id, frame: null }; // its transaction never committed
      return { id: entry.id, frame: this.frameOf(row, entry.kind) };
    });
  }

  /**
   * Frames built from a row, by entry kind. The sockets that read one message in the same turn
   * share its row object (listMessages is batched per turn), so a group message's frame is built
   * once for all its members' sockets instead of once per socket; a later read gets a new row.
   */
  private readonly frames = new WeakMap<MessageRow, Map<EntryKind, string>>();

  private frameOf(row: MessageRow, kind: EntryKind): string {
    let built = this.frames.get(row);
    if (!built) this.frames.set(row, built = new Map());
    let frame = built.get(kind);
    if (!frame) {
      const data = kind === 'r' || kind === 'rs' ? revokeNotice(row) : messageObject(row);
      built.set(kind, frame = frameText(frameTypeOf(kind), data));
    }
    return frame;
  }

  async ack(conn: Connection, entryId: string) {
    try {
      await this.broker.ack(conn.uid, conn.sid, entryId);
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

  /** The flush being written, and the one queued behind it (see flushReleases). */
  private flushing?: Promise<void>;
  private flushQueued?: Promise<void>;

  /**
   * Writes the confirmations kept here (a socket that stopped reading also lets go of its hold);
   * resolves once every entry kept at the call has been tried. One flush at a time: a call
   * during a flush shares the one queued behind it, which starts when the running one ends and
   * takes whatever is kept then. (Each close used to start a flush of everything kept: 10,000
   * sockets closing at once wrote 10,000 × 10,000 releases and stalled the process.)
   */
  private flushReleases(): Promise<void> {
    if (!this.flushing) {
      this.flushing = this.writeReleases().finally(() => { this.flushing = undefined; });
      return this.flushing;
    }
    this.flushQueued ??= this.flushing.then(() => {
      this.flushQueued = undefined;
      return this.flushReleases();
    });
    return this.flushQueued;
  }

  private async writeReleases(): Promise<void> {
    const { broker } = this;
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
    const { broker } = this;
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
    const lives = await Promise.all(due.map(conn => this.deps.isLive(conn.uid, conn.sid).catch(() => null)));
    const userCheck = due.filter(conn => now >= conn.nextUserCheck);
    const standing = await this.standing(userCheck.map(conn => conn.uid));
    due.forEach((conn, i) => {
      conn.nextBeat = now + this.settings.heartbeatMs;
      if (conn.exp * 1000 <= now) return this.end(conn, DISCONNECTS.expired.code);
      if (lives[i] === false) return this.end(conn, DISCONNECTS.unauthenticated.code);
      if (standing && now >= conn.nextUserCheck) {
        conn.nextUserCheck = now + this.settings.userCheckMs;
        const user = standing.get(conn.uid);
        if (!user || user.is_deleted) return this.end(conn, DISCONNECTS.unauthenticated.code);
        if (user.status !== 1) return this.end(conn, DISCONNECTS.disabled.code);
      }
      conn.sendRaw('{"type":"ping"}');
      conn.ping();
      if (conn.active) void conn.catchUp();
    });
  }

  /** The users' standing by primary key; null if MySQL did not answer. */
  private async standing(ids: number[]) {
    const unique = [ ...new Set(ids) ];
    try {
      const rows = await this.deps.listStandings(unique);
      return new Map(unique.map((id, i) => [ id, rows[i] ]));
    } catch {
      return null;
    }
  }

  /**
   * CONTRACT: with Redis or MySQL down, sockets are dropped (no close frame) and handshakes get
   * 503. Down means unreachable (refused, reset, closed), not slow: a busy process whose pool is
   * exhausted or whose commands time out keeps its sockets.
   */
  private async checkDependencies() {
    const results = await Promise.allSettled(this.deps.probes());
    if (results[0].status === 'fulfilled') {
      // Confirmations kept during an outage are written before this process takes sockets again.
      await this.flushReleases();
      await this.broker.markProcessAlive(this.processId, 3 * this.settings.healthCheckMs);
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
    this.broker.resubscribe([ ...this.byUser.keys() ]);
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
    if (this.listening) this.broker.close();
  }
}
