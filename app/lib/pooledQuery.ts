// Hot statements sent straight through mysql2 on a connection of Sequelize's own pool: the same
// host, credentials, replication choice, query timeout (app/lib/mysqlQueryTimeout.ts) and fault
// behaviour as every other query, without Sequelize's query pipeline (replacements, query
// object, result mapping), which costs more per statement than the driver itself.
import type { Connection, ExecuteValues, QueryValues, RowDataPacket } from 'mysql2';
import type { Sequelize, Transaction } from 'sequelize';

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
 * A statement with `:name` values, escaped by the driver (text protocol: for statements whose
 * text varies too much to prepare each).
 */
export function pooledQuery<T>(sequelize: Sequelize, target: Target, sql: string, values: Record<string, QueryValues>): Promise<T[]> {
  return onPooledConnection(sequelize, target, connection => new Promise<T[]>((resolve, reject) => {
    connection.query<RowDataPacket[]>({ sql, values, namedPlaceholders: true }, (err, rows) => (err ? reject(err) : resolve(rows as T[])));
  }));
}

/**
 * A prepared statement on the connection of `transaction` (a pooled connection too): the
 * statements of the send path, which run inside the transaction that holds the conversation
 * locks. An INSERT answers its ResultSetHeader (insertId, affectedRows).
 */
export function transactionExecute<T>(transaction: Transaction, sql: string, values: ExecuteValues[]): Promise<T> {
  const connection = (transaction as unknown as { connection: Connection }).connection;
  return new Promise<T>((resolve, reject) => {
    connection.execute<RowDataPacket[]>(sql, values, (err, rows) => (err ? reject(err) : resolve(rows as unknown as T)));
  });
}
