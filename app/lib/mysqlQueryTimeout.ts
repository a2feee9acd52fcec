// Sequelize 6 passes no per-query timeout to mysql2, so a MySQL server that keeps the
// connection open but stops answering would hold a request forever. This wraps the mysql2
// module Sequelize loads (config.sequelize.dialectModule): every query and execute gets
// mysql2's `timeout`, and a connection whose query timed out is destroyed, so the pool never
// hands out a connection still stuck behind it.
import mysql2 from 'mysql2';
import { isTimeout } from './dependencyErrors';

type Callback = (err: any, ...rest: unknown[]) => void;

function withTimeout(sql: unknown, values: unknown, timeoutMs: number) {
  const options = typeof sql === 'object' && sql !== null ? { ...sql } as Record<string, unknown> : { sql };
  if (values !== undefined && typeof values !== 'function') options.values = values;
  options.timeout ??= timeoutMs;
  return options;
}

export function mysql2WithQueryTimeout(timeoutMs: number): typeof mysql2 {
  const createConnection = (config: any) => {
    const connection: any = mysql2.createConnection(config);
    for (const method of [ 'query', 'execute' ] as const) {
      const original = connection[method].bind(connection);
      connection[method] = (sql: unknown, values?: unknown, cb?: Callback) => {
        const callback = (typeof values === 'function' ? values : cb) as Callback | undefined;
        if (!callback) return original(sql, values, cb); // Sequelize always passes one
        return original(withTimeout(sql, values, timeoutMs), (err: any, ...rest: unknown[]) => {
          if (err && isTimeout(err)) connection.destroy();
          callback(err, ...rest);
        });
      };
    }
    return connection;
  };
  return { ...mysql2, createConnection } as typeof mysql2;
}
