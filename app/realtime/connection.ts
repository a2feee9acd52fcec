import { randomBytes } from 'node:crypto';
import WebSocket from 'ws';
import { EntryEvent, frameTypeOf } from '../lib/messaging/events';
import { frameText } from '../lib/messaging/messageView';
import { compareEntryIds } from '../lib/messaging/streamIds';
import { countDisconnect, framesDelivered } from '../lib/metrics/registry';

/** An inbox entry ready to go: its frame, or null when this session skips it (its own copy). */
export interface Outgoing {
  id: string;
  frame: string | null;
}

/** What a connection needs from its process (app/realtime/hub.ts). */
export interface ConnectionHost {
  settings: { batch: number; maxBufferedBytes: number; clientFrameLimit: number; clientFrameWindowMs: number };
  read(conn: Connection, after: string, count: number): Promise<Outgoing[]>;
  ack(conn: Connection, entryId: string): Promise<void>;
  /** The socket no longer reads its session's cursor (passive or closed): its last confirmation is written, then the hold goes. */
  handOver(conn: Connection): void;
  warn(message: string, ...args: unknown[]): void;
}

interface PendingPing {
  upTo: string;
  /** Entries sent on this socket when the ping went out. */
  sentCount: number;
}

/**
 * One socket of one session (README "Messaging"). Delivery is at least once per session: the
 * cursor moves only when a protocol pong answers a ping sent after the frames, and at most one
 * batch is ever unconfirmed, so a connection dying before its pong costs at most one batch
 * sent twice. Frames go out only in inbox order; anything out of line goes through catch-up,
 * which reads the inbox, so nothing is queued here (memory per idle socket stays small).
 */
export class Connection {
  readonly id = randomBytes(9).toString('base64url');
  /** Only the newest socket of a session gets frames; older ones get only pings. */
  active = true;
  /** The open number Redis gave this socket (0 until registered): the session's highest is active. */
  order = 0;
  closed = false;
  /** The last inbox entry sent (or skipped) on this socket. */
  sent = '0-0';
  private confirmed = '0-0';
  /** The cursor this socket started from. */
  private startedAt = '0-0';
  private sentCount = 0;
  private confirmedCount = 0;
  private pingSeq = 0;
  private pings?: Map<string, PendingPing>;
  private pingQueued = false;
  /** Catch-up running (also until the connection has its cursor); `again`: read once more. */
  private catchingUp = true;
  private again = false;
  private whenConfirmed?: () => void;
  lastSeen = Date.now();
  nextBeat = 0;
  nextUserCheck = 0;
  private frameWindowStart = 0;
  private frameCount = 0;

  constructor(
    readonly ws: WebSocket,
    readonly uid: number,
    readonly sid: string,
    readonly exp: number,
    readonly locale: string,
    private readonly host: ConnectionHost,
  ) {
    ws.on('pong', data => this.onPong(data.toString()));
    ws.on('ping', () => { this.lastSeen = Date.now(); });
    ws.on('close', countDisconnect);
  }

  /** The last entry a pong confirmed on this socket, null if none (saved or not: writing it again changes nothing). */
  get lastConfirmed(): string | null {
    return this.confirmed === this.startedAt ? null : this.confirmed;
  }

  private get unconfirmed() {
    return this.sentCount - this.confirmedCount;
  }

  /** The cursor is known: start delivering from it. */
  start(cursor: string) {
    this.sent = cursor;
    this.confirmed = cursor;
    this.startedAt = cursor;
    this.catchingUp = false;
    void this.catchUp();
  }

  /** A client frame: counted (CONTRACT: > 20 per 10 s closes 4008); JSON or text `ping` answered. */
  onClientFrame(text: string, now = Date.now()): 'ok' | 'tooMany' {
    this.lastSeen = now;
    const { clientFrameLimit, clientFrameWindowMs } = this.host.settings;
    if (now - this.frameWindowStart >= clientFrameWindowMs) {
      this.frameWindowStart = now;
      this.frameCount = 0;
    }
    if (++this.frameCount > clientFrameLimit) return 'tooMany';
    if (text === 'ping' || isJsonPing(text)) this.sendRaw(JSON.stringify({ type: 'pong', timestamp: now }));
    return 'ok';
  }

  /** A new inbox entry announced on the channel. */
  onEntry(event: EntryEvent) {
    if (this.closed || !this.active) return;
    if (this.catchingUp) {
      this.again = true;
      return;
    }
    if (compareEntryIds(event.e, this.sent) <= 0) return; // already sent by a catch-up
    if (event.p !== this.sent || this.unconfirmed >= this.host.settings.batch) {
      void this.catchUp(); // something before it is not sent yet: read the inbox in order
      return;
    }
    const own = event.o !== undefined && event.o === this.sid;
    this.sendEntries([{ id: event.e, frame: own ? null : frameText(frameTypeOf(event.k), event.d) }]);
  }

  /** Sends every entry after `sent`, a batch at a time, each batch confirmed before the next. */
  async catchUp(): Promise<void> {
    if (this.closed || !this.active) return;
    if (this.catchingUp) {
      this.again = true;
      return;
    }
    this.catchingUp = true;
    try {
      for (;;) {
        this.again = false;
        if (this.unconfirmed > 0) await new Promise<void>(resolve => { this.whenConfirmed = resolve; });
        if (this.closed || !this.active) return;
        const batch = await this.host.read(this, this.sent, this.host.settings.batch);
        if (this.closed || !this.active) return;
        if (batch.length) this.sendEntries(batch);
        else if (!this.again) return;
      }
    } catch (err) {
      // Redis or MySQL failed: the next heartbeat tries again (an outage drops the socket).
      this.again = false;
      this.host.warn('[messaging] catch-up of user %d failed: %s', this.uid, (err as Error).message);
    } finally {
      this.catchingUp = false;
    }
  }

  private sendEntries(entries: Outgoing[]) {
    if (this.ws.bufferedAmount > this.host.settings.maxBufferedBytes) {
      this.drop(); // a client this slow reconnects and catches up from its cursor
      return;
    }
    for (const entry of entries) if (entry.frame !== null) this.sendRaw(entry.frame);
    framesDelivered.inc(entries.filter(entry => entry.frame !== null).length);
    this.sent = entries[entries.length - 1].id;
    this.sentCount += entries.length;
    if (!this.pingQueued) {
      this.pingQueued = true;
      setImmediate(() => {
        this.pingQueued = false;
        this.ping();
      });
    }
  }

  sendRaw(text: string) {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(text);
  }

  /** A protocol ping whose pong confirms everything sent before it. */
  ping() {
    if (this.closed || this.ws.readyState !== WebSocket.OPEN) return;
    const payload = String(++this.pingSeq);
    this.pings ??= new Map();
    this.pings.set(payload, { upTo: this.sent, sentCount: this.sentCount });
    this.ws.ping(payload);
  }

  private onPong(payload: string) {
    this.lastSeen = Date.now();
    const answered = this.pings?.get(payload);
    if (!answered) return; // not a ping of ours (clients may send unsolicited pongs)
    for (const key of this.pings!.keys()) {
      this.pings!.delete(key);
      if (key === payload) break;
    }
    if (!this.pings!.size) this.pings = undefined;
    this.confirmedCount = Math.max(this.confirmedCount, answered.sentCount);
    if (compareEntryIds(answered.upTo, this.confirmed) > 0) {
      this.confirmed = answered.upTo;
      this.host.ack(this, answered.upTo).catch(err => this.host.warn('[messaging] cursor of user %d not saved: %s', this.uid, err.message));
    }
    if (this.unconfirmed === 0 && this.whenConfirmed) {
      const resolve = this.whenConfirmed;
      this.whenConfirmed = undefined;
      resolve();
    }
  }

  /** Becomes one of the session's older sockets: pings only. */
  deactivate() {
    this.active = false;
    this.release();
    this.host.handOver(this);
  }

  /**
   * The session's active socket closed and this one is the next newest: it becomes active, and
   * delivers again once start() gives it the session's cursor. False if it cannot (closed, or active already).
   */
  activate(): boolean {
    if (this.closed || this.active) return false;
    this.active = true;
    this.pings = undefined;
    this.confirmedCount = this.sentCount;
    // Until start(): an entry announced meanwhile would otherwise start a catch-up from what this
    // socket sent before it went passive, and repeat what the closed socket had confirmed.
    this.catchingUp = true;
    return true;
  }

  /** The session is over (or the client broke the frame rules): a last frame if any, then a close code. */
  end(code: number, frame?: string) {
    if (this.closed) return;
    if (frame) this.sendRaw(frame);
    this.closed = true;
    this.release();
    this.ws.close(code);
    // A client that never answers the close is cut after a while (ws waits 30 s by itself).
    setTimeout(() => this.ws.terminate(), 5000).unref();
  }

  /** Transient (outage, timeout, overload, shutdown): TCP drop, no close frame (the client retries on 1006). */
  drop() {
    this.closed = true;
    this.release();
    this.ws.terminate();
  }

  private release() {
    if (this.whenConfirmed) {
      const resolve = this.whenConfirmed;
      this.whenConfirmed = undefined;
      resolve();
    }
  }
}

function isJsonPing(text: string): boolean {
  if (!text.startsWith('{')) return false;
  try {
    return (JSON.parse(text) as { type?: unknown })?.type === 'ping';
  } catch {
    return false;
  }
}
