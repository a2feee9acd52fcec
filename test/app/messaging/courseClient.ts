// A test client that behaves as CONTRACT-client-behaviour §1 describes the course's chat class
// (written here from that description; the course's code stays outside the repository):
// - a failed handshake fires both `error` and `close`, and each schedules a reconnect 1 s later
//   (so 2, then 4, then 8 sockets of the session per round while the server is unreachable);
// - for every role, any close code but 1006 means "logged in elsewhere": the instance logs out
//   (recorded in `loggedOut` and `codes`) and stops; only 1006 reconnects (§1: a visitor's 4004
//   must show, never be hidden behind a reconnect);
// - old instances are not closed when a new one is made: they keep their sockets.
import WebSocket from 'ws';

export interface CourseSocket {
  ws: WebSocket;
  opened: boolean;
  /** singleChat frames received on this socket. */
  chats: any[];
  closeCode?: number;
}

export class CourseClient {
  readonly sockets: CourseSocket[] = [];
  /** Handshakes started (every connectSocket). */
  handshakes = 0;
  /** Close codes other than 1006 seen by this instance. */
  readonly codes: number[] = [];
  loggedOut = false;
  private stopped = false;
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(private readonly url: () => string, public token: string, public role: 'user' | 'visitor') {}

  /** Opens one socket (the class's connectSocket). */
  connect(): CourseSocket {
    this.handshakes++;
    const ws = new WebSocket(`${this.url()}/ws?token=${encodeURIComponent(this.token)}`);
    const socket: CourseSocket = { ws, opened: false, chats: [] };
    this.sockets.push(socket);
    ws.on('open', () => { socket.opened = true; });
    ws.on('message', data => {
      try {
        const frame = JSON.parse(data.toString());
        if (frame?.type === 'singleChat') socket.chats.push(frame.data);
      } catch {
        // not JSON
      }
    });
    ws.on('error', () => this.later());
    ws.on('close', (code: number) => {
      socket.closeCode = code;
      if (code !== 1006) this.codes.push(code);
      if (code !== 1006) {
        this.loggedOut = true; // "账号异地登录": logoutAction, whatever the role
        return;
      }
      this.later();
    });
    return socket;
  }

  /** Two sockets about `gapMs` apart, as after a logout or a login. */
  async connectPair(gapMs = 2) {
    this.connect();
    await new Promise(resolve => setTimeout(resolve, gapMs));
    this.connect();
  }

  private later() {
    if (this.stopped || this.loggedOut) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (!this.stopped && !this.loggedOut) this.connect();
    }, 1000);
    this.timers.add(timer);
  }

  /** Sockets that are open now. */
  open(): CourseSocket[] {
    return this.sockets.filter(s => s.ws.readyState === WebSocket.OPEN);
  }

  /** singleChat frames with this text across the instance's sockets, per socket. */
  received(text: string): number[] {
    return this.sockets.map(s => s.chats.filter(d => JSON.stringify(d?.data ?? null).includes(text)).length);
  }

  /** Cuts every socket from the client side (1006 for the server), which reconnects as the class does. */
  dropAll() {
    for (const s of this.open()) s.ws.terminate();
  }

  stop() {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    for (const s of this.sockets) s.ws.terminate();
  }
}

/** Waits until `condition` holds, polling every 50 ms, at most `ms`. */
export async function eventually(condition: () => boolean | Promise<boolean>, what: string | (() => string), ms = 8000) {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${typeof what === 'function' ? what() : what}`);
    await new Promise(resolve => setTimeout(resolve, 50));
  }
}
