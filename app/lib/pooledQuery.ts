// Hot statements sent straight through mysql2 on a connection of Sequelize's own pool: the same
// host, credentials, replication choice, query timeout (app/lib/mysqlQueryTimeout.ts) and fault
// behaviour as every other query, without Sequelize's query pipeline (replacements, query
// object, result mapping), which costs more per statement than the driver itself.
import type { Connection, ExecuteValues, QueryValues, RowDataPacket } from 'mysql2';
import type { Sequelize } from 'sequelize';

/** 'write': the primary, never a replica (README "Deploying"); 'read': a replica when there are any. */
type Target = 'read' | 'write';

async function onPooledConnection<T>(sequelize: Sequelize, target: Target, use: (connection: Connection) => Promise<T>): Promise<T> {
  const manager = sequelize.connectionManager;
  const pooled = await manager.getConnection({ type: target });
  try {
    return await use(pooled as unknown as Connection);
  } finally {
    // A connection that failed is dropped by the pool's validation before its next use.
    manager.releaseConnection(pooled);
  }
}

/** A prepared statement (mysql2 `execute`, prepared once per connection) with `?` values. */
export function pooledExecute<T>(sequelize: Sequelize, target: Target, sql: string, values: ExecuteValues[]): Promise<T[]> {
  return onPooledConnection(sequelize, target, connection => new Promise<T[]>((resolve, reject) => {
    connection.execute<RowDataPacket[]>(sql, values, (err, rows) => (err ? reject(err) : resolve(rows as T[])));
  }));
}

/**
 * A prepared statement written with `:name` values (mysql2 turns them into `?`, its compiled
 * form cached): for hot statements kept in one file with their named form (friends.sql.ts).
 * Integers bind as DOUBLE, which MariaDB takes for LIMIT too.
 */
export function pooledExecuteNamed<T>(sequelize: Sequelize, target: Target, sql: string, values: Record<string, ExecuteValues>): Promise<T[]> {
  return onPooledConnection(sequelize, target, connection => new Promise<T[]>((resolve, reject) => {
    // mysql2 types `values` as positional; with namedPlaceholders it takes an object.
    connection.execute<RowDataPacket[]>({ sql, values: values as unknown as QueryValues, namedPlaceholders: true },
      (err, rows) => (err ? reject(err) : resolve(rows as T[])));
  }));
}

/**
 * The same statement for many keys at once: `sql(n)` takes `n` keys (`?` each, as `keyValues`
 * spreads them). Key counts are padded to a power of two (the last key repeated), so a
 * connection prepares at most log2(maxKeys) + 1 statements per kind; more keys than `maxKeys`
 * go out as several statements, side by side.
 */
export async function pooledExecuteMany<K, T>(sequelize: Sequelize, target: Target, sql: (count: number) => string, keys: K[],
  keyValues: (key: K) => ExecuteValues[], maxKeys = 64): Promise<T[]> {
  const chunks: K[][] = [];
  for (let i = 0; i < keys.length; i += maxKeys) chunks.push(keys.slice(i, i + maxKeys));
  const answers = await Promise.all(chunks.map(chunk => {
    let size = 1;
    while (size < chunk.length) size *= 2;
    const padded = chunk.concat(new Array(size - chunk.length).fill(chunk[chunk.length - 1]));
    return pooledExecute<T>(sequelize, target, sql(size), padded.flatMap(keyValues));
  }));
  return answers.flat();
}

/**
 * A statement with `:name` values, escaped by the driver (text protocol: for statements whose
 * text varies too much to prepare each).
 */
export function pooledQuery<T>(sequelize: Sequelize, target: Target, sql: string, values: Record<string, QueryValues>): Promise<T[]> {
  return onPooledConnection(sequelize, target, connection => new Promise<T[]>((resolve, reject) => {
    connection.query<RowDataPacket[]>({ sql, values, namedPlaceholders: true }, (err, rows) => (err ? reject(err) : resolve(rows as T[])));
  }));
}
