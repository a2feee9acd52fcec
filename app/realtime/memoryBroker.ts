// The broker in one process's memory, for unit tests of the real-time layer (no Redis): the same
// rules as the Redis scripts (app/lib/messaging/scripts.ts) for what a test can observe: open
// numbers and the 'open' / 'promote' events, cursors that only move forward, holds, inbox order.
// Not for production: nothing is shared between processes and nothing expires.
import { SessionOverError } from '../lib/messaging/errors';
import { BrokerEvent, InboxEntry } from '../lib/messaging/events';
import { DISCONNECTS } from '../lib/messaging/disconnects';
import { compareEntryIds } from '../lib/messaging/streamIds';
import { AppendRequest, BaseBroker, Broker, BrokerListener, Hold, OpenedSocket, QueuedEntry } from './broker';

interface UserState {
  inbox: InboxEntry[];
  /** sid -> cursor. */
  cursors: Map<string, string>;
  /** The furthest cursor of the user's sessions (where a new session starts). */
  max: string;
  /** Open sockets: "sid socketId" -> open number. */
  sockets: Map<string, number>;
  opens: number;
  /** sid -> "socketId processId". */
  holds: Map<string, string>;
}

export class MemoryBroker extends BaseBroker implements Broker {
  private readonly users = new Map<number, UserState>();
  /** Live sessions per user (sessionOpened adds, endSessions removes). */
  private readonly sessions = new Map<number, Set<string>>();
  private readonly processes = new Set<string>();
  private readonly clientMsgIds = new Map<string, string>();
  private listener?: BrokerListener;
  private readonly subscribed = new Set<number>();
  private entrySeq = 0;
  listening = false;
  /** Events published, in order (what a test asserts). */
  readonly published: Array<{ uid: number; event: BrokerEvent }> = [];
  readonly warnings: string[] = [];

  constructor(private readonly settings: { wsMaxPerSession: number } = { wsMaxPerSession: 5 }) {
    super();
  }

  protected warn(message: string) {
    this.warnings.push(message);
  }

  private user(uid: number): UserState {
    let state = this.users.get(uid);
    if (!state) this.users.set(uid, state = { inbox: [], cursors: new Map(), max: '0-0', sockets: new Map(), opens: 0, holds: new Map() });
    return state;
  }

  async append(uid: number, entry: Omit<InboxEntry, 'id'>, data: unknown): Promise<QueuedEntry> {
    const { inbox } = this.user(uid);
    const id = `${Date.now()}-${++this.entrySeq}`;
    const prev = inbox.length ? inbox[inbox.length - 1].id : '0-0';
    inbox.push({ ...entry, id });
    const event: QueuedEntry['event'] = { t: 'entry', e: id, p: prev, k: entry.kind, d: data };
    if (entry.origin) event.o = entry.origin;
    return { uid, event };
  }

  /** One append per user, in `uids` order (nothing to batch in memory). */
  async appendMany(uids: number[], entry: Omit<InboxEntry, 'id'>, data: unknown): Promise<QueuedEntry[]> {
    const queued: QueuedEntry[] = [];
    for (const uid of uids) queued.push(await this.append(uid, entry, data));
    return queued;
  }

  /** One append per entry, in order. */
  async appendEach(entries: AppendRequest[]): Promise<QueuedEntry[]> {
    const queued: QueuedEntry[] = [];
    for (const { uid, entry, data } of entries) queued.push(await this.append(uid, entry, data));
    return queued;
  }

  async read(uid: number, after: string, count: number): Promise<InboxEntry[]> {
    return this.user(uid).inbox.filter(entry => compareEntryIds(entry.id, after) > 0).slice(0, count);
  }

  /** Delivered to the listener in a later microtask, as a subscriber would. */
  async publish(uid: number, event: BrokerEvent): Promise<void> {
    this.published.push({ uid, event });
    if (event.t === 'end') for (const sid of event.s) this.sessions.get(uid)?.delete(sid);
    if (this.listening && this.subscribed.has(uid)) queueMicrotask(() => this.listener?.event(uid, event));
  }

  async sessionOpened(uid: number, sid: string, revoked: string[]): Promise<void> {
    const state = this.user(uid);
    state.cursors.set(sid, state.max);
    let live = this.sessions.get(uid);
    if (!live) this.sessions.set(uid, live = new Set());
    live.add(sid);
    if (revoked.length) await this.endSessions(uid, revoked, DISCONNECTS.replaced.code);
  }

  async forgetUser(uid: number): Promise<void> {
    this.users.delete(uid);
  }

  async socketOpened(uid: number, sid: string, socketId: string): Promise<OpenedSocket> {
    if (!this.sessions.get(uid)?.has(sid)) throw new SessionOverError();
    const state = this.user(uid);
    if (!state.cursors.has(sid)) state.cursors.set(sid, state.max);
    const order = ++state.opens;
    state.sockets.set(`${sid} ${socketId}`, order);
    const same = [ ...state.sockets ].filter(([ member ]) => member.startsWith(`${sid} `)).sort((a, b) => a[1] - b[1]);
    const dropped = same.slice(0, Math.max(0, same.length - this.settings.wsMaxPerSession)).map(([ member ]) => {
      state.sockets.delete(member);
      return member.slice(sid.length + 1);
    });
    if (same.length > 1) await this.publish(uid, { t: 'open', s: sid, c: socketId, n: order, x: dropped });
    return { cursor: state.cursors.get(sid)!, sockets: same.length, order, dropped };
  }

  async socketClosed(uid: number, sid: string, socketId: string): Promise<void> {
    const state = this.user(uid);
    const score = state.sockets.get(`${sid} ${socketId}`);
    if (score === undefined) return;
    state.sockets.delete(`${sid} ${socketId}`);
    const same = [ ...state.sockets ].filter(([ member ]) => member.startsWith(`${sid} `)).sort((a, b) => a[1] - b[1]);
    if (!same.length || same[same.length - 1][1] > score) return;
    const [ best, n ] = same[same.length - 1];
    await this.publish(uid, { t: 'promote', s: sid, c: best.slice(sid.length + 1), n, w: score });
  }

  async ack(uid: number, sid: string, entryId: string): Promise<void> {
    const state = this.user(uid);
    const cursor = state.cursors.get(sid);
    if (cursor && compareEntryIds(cursor, entryId) >= 0) return;
    state.cursors.set(sid, entryId);
    if (compareEntryIds(state.max, entryId) < 0) state.max = entryId;
  }

  /** The session's cursor (what a test asserts). */
  cursorOf(uid: number, sid: string): string | undefined {
    return this.users.get(uid)?.cursors.get(sid);
  }

  async takeHold(uid: number, sid: string, socketId: string, processId: string, takeOver: string): Promise<Hold> {
    const state = this.user(uid);
    const held = state.holds.get(sid);
    if (held && !held.startsWith(`${socketId} `) && held !== takeOver) return { held, processId: held.split(' ')[1] ?? '' };
    state.holds.set(sid, `${socketId} ${processId}`);
    return { cursor: state.cursors.get(sid) ?? state.max };
  }

  async releaseHold(uid: number, sid: string, socketId: string, confirmed: string | null): Promise<void> {
    if (confirmed) await this.ack(uid, sid, confirmed);
    const state = this.user(uid);
    if (state.holds.get(sid)?.startsWith(`${socketId} `)) state.holds.delete(sid);
  }

  async markProcessAlive(processId: string): Promise<void> {
    this.processes.add(processId);
  }

  async processAlive(processId: string): Promise<boolean> {
    return this.processes.has(processId);
  }

  async sessionCount(uid: number): Promise<number> {
    return this.sessions.get(uid)?.size ?? 0;
  }

  async claimClientMsgId(uid: number, clientMsgId: string, token: string): Promise<string | null> {
    const key = `${uid} ${clientMsgId}`;
    const held = this.clientMsgIds.get(key);
    if (held !== undefined) return held;
    this.clientMsgIds.set(key, `p:${token}`);
    return null;
  }

  async setClientMsgId(uid: number, clientMsgId: string, messageId: string): Promise<void> {
    this.clientMsgIds.set(`${uid} ${clientMsgId}`, messageId);
  }

  async releaseClientMsgId(uid: number, clientMsgId: string, value: string): Promise<void> {
    if (this.clientMsgIds.get(`${uid} ${clientMsgId}`) === value) this.clientMsgIds.delete(`${uid} ${clientMsgId}`);
  }

  listen(listener: BrokerListener) {
    this.listener = listener;
    this.listening = true;
    queueMicrotask(() => listener.ready());
  }

  async subscribe(uid: number): Promise<void> {
    this.subscribed.add(uid);
  }

  async unsubscribe(uid: number): Promise<void> {
    this.subscribed.delete(uid);
  }

  resubscribe(uids: number[]) {
    this.subscribed.clear();
    for (const uid of uids) this.subscribed.add(uid);
  }

  close() {
    this.listening = false;
    this.listener?.lost();
  }
}
