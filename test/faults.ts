// Real unreachable dependencies for 503 tests: clients pointed at a port nothing listens on.
import net from 'node:net';
import { Application } from 'egg';
import { Sequelize } from 'sequelize';
import { OPEN_SESSION } from '../app/lib/sessionScripts';
import { testPort } from './ports';

// The lead's port range for this suite's throwaway servers: 7140-7149.
export const CLOSED_PORT = testPort(7149);

/** Fails unless nothing listens on `port`, so a "down" test cannot pass by accident. */
export async function assertClosed(port: number): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => { socket.destroy(); reject(new Error(`port ${port} is in use`)); });
    socket.once('error', () => resolve());
  });
}

/** A Redis client like the app's (same class and fail-fast options) for a closed port. */
export function unreachableRedis(app: Application) {
  const Redis = app.redis.constructor as new (options: object) => typeof app.redis;
  const client = new Redis({
    host: '127.0.0.1', port: CLOSED_PORT, enableOfflineQueue: false, maxRetriesPerRequest: 1,
    retryStrategy: () => null, // one failed attempt, then closed for good
  });
  client.on('error', () => undefined);
  client.defineCommand('openSession', { numberOfKeys: 1, lua: OPEN_SESSION });
  return client;
}

/** A Sequelize instance for `port` (only for raw queries: it has no models). */
export function mysqlAt(port: number, connectTimeout = 1000) {
  return new Sequelize('chat', 'root', '', {
    dialect: 'mysql', host: '127.0.0.1', port, logging: false,
    dialectOptions: { connectTimeout }, pool: { acquire: connectTimeout + 500 }, retry: { max: 0 },
  });
}

/** A TCP server that accepts connections and never answers: a dependency that hangs. */
export async function silentServer(port: number): Promise<net.Server> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer(socket => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>(resolve => server.listen(port, '127.0.0.1', resolve));
  const close = server.close.bind(server);
  server.close = (callback?: (err?: Error) => void) => {
    for (const socket of sockets) socket.destroy();
    return close(callback);
  };
  return server;
}
