// Messaging test helpers: the app on an ephemeral port (HTTP and WebSocket), a WebSocket client
// that records frames and close codes, and friendship rows straight into the table.
import { strict as assert } from 'node:assert';
import { createServer, Server } from 'node:http';
import { AddressInfo, Socket } from 'node:net';
import { Application } from 'egg';
import { app } from 'egg-mock/bootstrap';
import WebSocket from 'ws';
import { insertUser, openSession } from '../../helpers';

export const WELCOME = '欢迎您访问我们的系统！';
export const TOKEN_INVALID = 'Token 令牌不合法！';

/** The app listening on 127.0.0.1:<ephemeral> for the describe block, as egg-cluster serves it. */
export function listen(application: () => Application = () => app) {
  const state = { port: 0, server: undefined as Server | undefined };
  const sockets = new Set<Socket>();
  before(async () => {
    const target = application();
    const server = createServer(target.callback());
    // Upgraded sockets are no longer HTTP connections: closed by hand below.
    server.on('connection', socket => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    target.emit('server', server);
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
    state.server = server;
    state.port = (server.address() as AddressInfo).port;
    await hubAccepting(state.port);
  });
  after(async () => {
    for (const socket of sockets) socket.destroy();
    state.server?.closeAllConnections();
    await new Promise(resolve => state.server?.close(resolve));
  });
  return {
    get port() { return state.port; },
    get base() { return `http://127.0.0.1:${state.port}`; },
  };
}

/**
 * Waits until handshakes are no longer refused with 503: an earlier test that stood an unreachable
 * Redis in for app.redis leaves the process's dependency watch "down" until its next check.
 */
async function hubAccepting(port: number) {
  for (let attempt = 0; attempt < 50; attempt++) {
    const status = await new Promise<number>(resolve => {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`);
      ws.once('unexpected-response', (_req, res) => { resolve(res.statusCode ?? 0); ws.terminate(); });
      ws.once('open', () => { resolve(101); ws.terminate(); });
      ws.once('error', () => resolve(0));
    });
    if (status !== 503) return;
    await new Promise(resolve => setTimeout(resolve, 100));
  }
  throw new Error('the WebSocket endpoint kept answering 503');
}

export interface Answer {
  status: number;
  headers: Record<string, string>;
  body: any;
}

/** A request with a token, JSON body by default (`form: true` for a form). */
export async function call(base: string, method: 'GET' | 'POST', path: string, token?: string, body?: unknown, form = false): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (token) headers.token = token;
  let payload: string | undefined;
  if (body !== undefined) {
    headers['content-type'] = form ? 'application/x-www-form-urlencoded' : 'application/json';
    payload = form ? new URLSearchParams(body as Record<string, string>).toString() : typeof body === 'string' ? body : JSON.stringify(body);
  }
  const res = await fetch(`${base}${path}`, { method, headers, body: payload });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON: kept as text
  }
  return { status: res.status, headers: Object.fromEntries(res.headers), body: parsed };
}

export const sendMessage = (base: string, token: string, body: Record<string, unknown>, form = false) =>
  call(base, 'POST', '/api/chat/socket/sendmessage', token, body, form);

/** A text message body as the course client posts it. */
export const textBody = (to: number, text: string, extra: Record<string, unknown> = {}) => ({
  sendto_id: to, chatType: 'single', type: 'text', data: { data: text, dataType: false, otherData: null },
  options: encodeURIComponent(JSON.stringify({})), ...extra,
});

/** Sends a text and returns the stored message object (asserts 200). */
export async function sendText(base: string, token: string, to: number, text: string, extra: Record<string, unknown> = {}) {
  const res = await sendMessage(base, token, textBody(to, text, extra));
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.data;
}

export interface Closed {
  code: number;
  /** true when the server sent a close frame; false for a TCP drop (the client sees 1006). */
  clean: boolean;
}

/** A WebSocket client that records every frame; `autoPong: false` leaves pongs to the test. */
export class Client {
  readonly frames: any[] = [];
  readonly ws: WebSocket;
  readonly opened: Promise<void>;
  readonly closed: Promise<Closed>;
  /** HTTP status of a refused handshake. */
  refused?: Promise<{ status: number; body: any; headers: Record<string, string> }>;
  private waiters: Array<() => void> = [];
  pings = 0;

  constructor(url: string, options: WebSocket.ClientOptions = {}) {
    this.ws = new WebSocket(url, options);
    this.ws.on('message', data => {
      const text = data.toString();
      let frame: unknown = text;
      try {
        frame = JSON.parse(text);
      } catch {
        // kept as text
      }
      this.frames.push(frame);
      this.wake();
    });
    this.ws.on('ping', () => { this.pings++; this.wake(); });
    this.ws.on('error', () => undefined);
    this.opened = new Promise((resolve, reject) => {
      this.ws.once('open', () => resolve());
      this.ws.once('unexpected-response', (_req, res) => {
        let body = '';
        res.on('data', chunk => { body += chunk; });
        this.refused = new Promise(done => res.on('end', () => done({ status: res.statusCode!, body: JSON.parse(body), headers: res.headers as any })));
        reject(new Error(`refused with ${res.statusCode}`));
      });
      this.ws.once('error', reject);
    });
    this.opened.catch(() => undefined);
    this.closed = new Promise(resolve => this.ws.once('close', (code: number) => { this.wake(); resolve({ code, clean: code !== 1006 }); }));
  }

  private wake() {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }

  /** Waits until `condition` holds (checked on every frame, ping and close), at most `ms`. */
  async until(condition: () => boolean, what: string, ms = 8000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!condition()) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}; frames: ${JSON.stringify(this.frames).slice(0, 2000)}`);
      await new Promise<void>(resolve => {
        const timer = setTimeout(resolve, Math.min(left, 200));
        this.waiters.push(() => { clearTimeout(timer); resolve(); });
      });
    }
  }

  /** The close, or a failure after `ms` (a close that only a later periodic check would bring). */
  closedWithin(ms = 10000): Promise<Closed> {
    let timer: NodeJS.Timeout;
    const late = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`not closed within ${ms} ms`)), ms); });
    return Promise.race([ this.closed, late ]).finally(() => clearTimeout(timer));
  }

  /** Frames of a type (`singleChat` by default). */
  of(type = 'singleChat') {
    return this.frames.filter(frame => frame?.type === type);
  }

  /** Waits for `count` frames of `type`; returns them. */
  async received(count: number, type = 'singleChat', ms?: number) {
    await this.until(() => this.of(type).length >= count, `${count} ${type} frames`, ms);
    return this.of(type);
  }

  /** Message ids of the singleChat frames received so far. */
  ids(type = 'singleChat') {
    return this.of(type).map(frame => frame.data.id);
  }

  close() {
    this.ws.terminate();
  }
}

/** Opens a socket with `?token=` and waits for the welcome frame. */
export async function connect(port: number, token: string, options: WebSocket.ClientOptions = {}) {
  const client = new Client(`ws://127.0.0.1:${port}/ws?token=${encodeURIComponent(token)}`, options);
  await client.opened;
  await client.until(() => client.frames.some(f => f?.type === 'system'), 'the welcome frame');
  return client;
}

/** Resolves once the server has acknowledged the client's pongs so far (frames confirmed): polls the cursor. */
export async function cursorOf(uid: number, sid: string): Promise<string | null> {
  return app.redis.hget(`im:cur:{${uid}}`, sid);
}

/** A user row (and a session) for messaging tests. */
export async function user(username: string, attributes: Parameters<typeof insertUser>[0] = { username }) {
  const row = await insertUser({ ...attributes, username });
  const token = await openSession(row);
  return { id: row.id, username, uuid: row.uuid, token, row };
}

/** Another session (device) of the same user. */
export async function device(who: { id: number; username: string; uuid: string; row: any }) {
  return openSession(who.row);
}

/** Both goodfriend rows of a friendship; remarks optional. */
export async function befriend(a: number, b: number, remarks: { ab?: string; ba?: string } = {}) {
  await app.model.Goodfriend.bulkCreate([
    { user_id: a, friend_id: b, nickname: remarks.ab ?? '' },
    { user_id: b, friend_id: a, nickname: remarks.ba ?? '' },
  ]);
}

/** Two users with sessions who are friends. */
export async function friends(first = 'sender01', second = 'receiver1') {
  const a = await user(first);
  const b = await user(second);
  await befriend(a.id, b.id);
  return { a, b };
}

/** `owner` blacklists `target`: the block (user_block) and owner's row about target in step (isblack 1), as setblackgoodfriend writes them. */
export async function blacklist(owner: number, target: number) {
  await app.model.query('INSERT IGNORE INTO user_block (blocker_id, blocked_id, create_time) VALUES (:owner, :target, NOW(3))',
    { replacements: { owner, target } });
  await app.model.Goodfriend.update({ isblack: 1 }, { where: { user_id: owner, friend_id: target } });
}

/** Sets the user's chat settings (what strangers of each role may send). */
export async function setSendCount(uid: number, user: 0 | 1 | 2, visitor: 0 | 1 | 2 = user) {
  const userset = JSON.stringify({ chatset: { visitor: { sendCount: visitor, needFollow: false }, user: { sendCount: user, needFollow: false } } });
  await app.model.User.update({ userset }, { where: { id: uid } });
}

export const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms));

/** The session id a token names. */
export const sidOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()).sid as string;

/**
 * A message from one new user to another through `application` on a server of its own, received
 * on a socket and confirmed by its pong; resolves to the recipient's id once the confirmation
 * trimmed the inbox (the two-key cursor script). For other topologies (test/deploy).
 */
export async function messagingFlow(application: Application, prefix: string): Promise<number> {
  const server = createServer(application.callback());
  application.emit('server', server);
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    const register = async (username: string) =>
      (await call(base, 'POST', '/api/regChat', undefined, { username, password: 'secret123' })).body.data;
    const [ a, b ] = [ await register(`${prefix}_a`), await register(`${prefix}_b`) ];
    await application.model.Goodfriend.bulkCreate([{ user_id: a.id, friend_id: b.id }, { user_id: b.id, friend_id: a.id }]);
    const client = new Client(`${base.replace('http', 'ws')}/ws?token=${b.token}`);
    await client.opened;
    await client.until(() => client.frames.length > 0, 'welcome');
    const first = await sendText(base, a.token, b.id, 'one');
    const second = await sendText(base, a.token, b.id, 'two');
    await client.received(2);
    assert.deepEqual(client.ids(), [ first.id, second.id ]);
    const inbox = `im:inbox:{${b.id}}`;
    for (let i = 0; i < 50 && (await application.redis.xlen(inbox)) > 1; i++) await sleep(50);
    assert.equal(await application.redis.xlen(inbox), 1, 'confirmed entries trimmed');
    client.close();
    return b.id;
  } finally {
    server.closeAllConnections();
    server.close();
  }
}
