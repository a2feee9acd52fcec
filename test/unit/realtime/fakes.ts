// Fakes of the real-time layer's surroundings for unit tests without the Egg app, MySQL or Redis:
// a socket that records what the server sends, and the hub's dependencies over the in-memory broker.
import { EventEmitter } from 'node:events';
import type WebSocket from 'ws';
import { HubDeps, MessagingSettings } from '../../../app/realtime/hub';
import { MemoryBroker } from '../../../app/realtime/memoryBroker';

export const SETTINGS = {
  batch: 3,
  maxBufferedBytes: 1024,
  clientFrameLimit: 20,
  clientFrameWindowMs: 10_000,
  heartbeatMs: 600_000,
  idleTimeoutMs: 3_600_000,
  userCheckMs: 600_000,
  healthCheckMs: 600_000,
  wsMaxPerProcess: 100,
  wsMaxPerSession: 5,
  maxFrameBytes: 4096,
  channelPrefix: 'im:ev:',
} as unknown as MessagingSettings;

/** A `ws` socket as the connection uses it; `autoPong`: the client answers each ping at once. */
export class FakeSocket extends EventEmitter {
  readyState: number = 1;
  bufferedAmount = 0;
  readonly sent: string[] = [];
  readonly pings: string[] = [];
  closeCode?: number;
  terminated = false;

  constructor(private readonly autoPong = false) {
    super();
  }

  send(text: string) {
    this.sent.push(text);
  }

  ping(payload: string) {
    this.pings.push(String(payload));
    if (this.autoPong) queueMicrotask(() => this.pong(String(payload)));
  }

  /** The client answers a ping. */
  pong(payload: string) {
    this.emit('pong', Buffer.from(payload));
  }

  /** The client sends a text frame. */
  message(text: string) {
    this.emit('message', Buffer.from(text), false);
  }

  close(code: number) {
    if (this.readyState !== 1) return;
    this.readyState = 3;
    this.closeCode = code;
    this.emit('close', code);
  }

  terminate() {
    this.terminated = true;
    if (this.readyState === 3) return;
    this.readyState = 3;
    this.emit('close', 1006);
  }

  /** The frames sent, parsed. */
  get frames(): any[] {
    return this.sent.map(text => JSON.parse(text));
  }

  asWs() {
    return this as unknown as WebSocket;
  }
}

/** The hub's dependencies: the in-memory broker, every session live, texts as their keys. */
export function fakeDeps(overrides: Partial<HubDeps> = {}): HubDeps & { broker: MemoryBroker; warnings: string[] } {
  const warnings: string[] = [];
  return {
    settings: SETTINGS,
    broker: new MemoryBroker(SETTINGS),
    listMessages: async () => new Map(),
    listStandings: async ids => ids.map(id => ({ id, status: 1, is_deleted: 0, role: 'user' })),
    isLive: async () => true,
    text: (_locale, key) => key,
    warn: message => { warnings.push(message); },
    probes: () => [ Promise.resolve(), Promise.resolve() ],
    warnings,
    ...overrides,
  } as HubDeps & { broker: MemoryBroker; warnings: string[] };
}

/** Resolves once `check()` holds (checked every few ms); fails after `ms`. */
export async function until(check: () => boolean, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise(resolve => setTimeout(resolve, 2));
  }
}
