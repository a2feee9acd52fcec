import { Server } from 'node:http';
import { Socket, connect, createServer } from 'node:net';
import { MockApplication } from 'egg-mock';
import { app, mm } from 'egg-mock/bootstrap';
// egg-mock's shared test server (not exported from its main entry).
// eslint-disable-next-line @typescript-eslint/no-var-requires
const mockHttpServer: (application: unknown) => Server = require('egg-mock/lib/mock_http_server');

/**
 * supertest listens and closes egg-mock's shared server per request, which resets the other
 * connections of a concurrent burst. Listening for the whole describe block avoids that.
 */
export function keepTestServerListening() {
  let server: Server;
  before(done => {
    server = mockHttpServer(app);
    server.listen(0, '127.0.0.1', done);
  });
  after(done => {
    server.close(() => done());
  });
}

/**
 * A TCP proxy on 127.0.0.1 the tests can cut and restore, standing in front of the real
 * MariaDB or Redis so "down" and "back" are real network events for the app behind it.
 */
export class TcpProxy {
  private server?: ReturnType<typeof createServer>;
  private readonly pairs = new Set<[ Socket, Socket ]>();
  private stalled = false;

  constructor(readonly port: number, private readonly target: { host: string; port: number }) {}

  async up(): Promise<void> {
    this.resume();
    if (this.server) return;
    const server = createServer(client => {
      const upstream = connect(this.target);
      const pair: [ Socket, Socket ] = [ client, upstream ];
      this.pairs.add(pair);
      for (const socket of pair) {
        socket.on('close', () => this.pairs.delete(pair));
        socket.on('error', () => { client.destroy(); upstream.destroy(); });
      }
      client.pipe(upstream).pipe(client);
      if (this.stalled) pair.forEach(socket => socket.pause());
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', resolve);
    });
    this.server = server;
  }

  /** Closes the port and drops every open connection: the dependency is gone. */
  async down(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    const closed = new Promise(resolve => server.close(resolve));
    for (const pair of this.pairs) pair.forEach(socket => socket.destroy());
    await closed;
  }

  /** Keeps every connection open but lets no byte through: the dependency hangs. */
  stall(): void {
    this.stalled = true;
    for (const pair of this.pairs) pair.forEach(socket => socket.pause());
  }

  private resume(): void {
    if (!this.stalled) return;
    this.stalled = false;
    for (const pair of this.pairs) pair.forEach(socket => socket.resume());
  }
}

/**
 * A second app instance for the describe block that reaches MariaDB and Redis only through
 * TcpProxies on the two ports, which the tests cut and restore; the shared servers themselves
 * are never touched.
 */
export function appBehindProxies(redisPort: number, mysqlPort: number) {
  const state = {} as { app: MockApplication; redis: TcpProxy; mysql: TcpProxy };
  before(async () => {
    const config = app.config as any;
    state.redis = new TcpProxy(redisPort, { host: config.redis.client.host, port: config.redis.client.port });
    state.mysql = new TcpProxy(mysqlPort, { host: config.sequelize.host, port: config.sequelize.port });
    await state.redis.up();
    await state.mysql.up();
    mm(process.env, 'REDIS_PORT', String(redisPort));
    mm(process.env, 'MYSQL_PORT', String(mysqlPort));
    state.app = mm.app({ baseDir: process.cwd(), cache: false } as any);
    await state.app.ready();
    mm.restore();
  });
  after(async () => {
    // egg-redis does not end its client on close; without this it would keep reconnecting.
    state.app?.redis.disconnect();
    await state.app?.close();
    await state.redis?.down();
    await state.mysql?.down();
  });
  return state;
}
