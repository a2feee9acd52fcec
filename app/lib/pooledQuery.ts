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

// Prepared or not? mysql2 parses a prepared statement's rows with its binary parser, which, with
// the connection-wide typeCast that Sequelize installs, builds a wrapper object with closures
// for every field of every row (binary_parser.js `wrap`), where the text parser builds them once
// per result. A 50-row history page cost 25 ms of worker time that way (docs/performance.md
// "The hot reads"): statements returning many rows go through pooledQuery, point reads through
// pooledExecute*.

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
 * The same statement for many keys at once, batched as app/repository/users.ts batches its
 * lookups: `sql(n)` takes `n` keys (`?` each, as `keyValues` spreads them). Key counts are
 * padded to a power of two (the last key repeated), so a connection prepares at most
 * log2(maxKeys) + 1 statements per kind; more keys than `maxKeys` go out as several
 * statements, side by side.
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

// The UNION ALL texts of pooledExecuteUnion, by statement and branch count.
const unions = new Map<string, Map<number, string>>();

function unionOf(sql: string, count: number): string {
  let byCount = unions.get(sql);
  if (!byCount) unions.set(sql, byCount = new Map());
  let text = byCount.get(count);
  if (!text) {
    const body = sql.replace(/^\s*SELECT\s/i, '');
    text = Array.from({ length: count }, (_, i) => `(SELECT ${i} AS batch_key, ${body.replace(/:(\w+)/g, `:$1_${i}`)})`).join(' UNION ALL ');
    byCount.set(count, text);
  }
  return text;
}

/**
 * One named SELECT (a point read: at most a few rows, no ORDER BY) for many value sets in one
 * prepared statement: a UNION ALL of one branch per set, each row tagged with its branch. The
 * sets are padded to a power of two (the last repeated), at most `maxSets` a statement, so a
 * connection prepares at most log2(maxSets) + 1 texts per statement. The rows of each set, in
 * the order given.
 */
export function pooledExecuteUnion<T>(sequelize: Sequelize, target: Target, sql: string, sets: Array<Record<string, ExecuteValues>>,
  maxSets = 32): Promise<T[][]> {
  return unionRows<T, ExecuteValues>(sets, maxSets, true, (count, values) =>
    pooledExecuteNamed<T & { batch_key: number }>(sequelize, target, unionOf(sql, count), values));
}

/**
 * The same union on the text protocol (pooledQuery), for a statement returning a page of rows
 * (`ORDER BY … LIMIT`) per value set, as several users' pages read in one turn: each branch
 * keeps its own ORDER BY and LIMIT, and the union is sorted by branch, then by `order` (the
 * branch's ORDER BY over the result's column names), since a union keeps no order of its own.
 * Not padded (nothing is prepared). A single set is sent as the plain statement: a lone
 * request costs what it cost before batching.
 */
export async function pooledQueryUnion<T>(sequelize: Sequelize, target: Target, sql: string, sets: Array<Record<string, QueryValues>>,
  order: string, maxSets = 32): Promise<T[][]> {
  if (sets.length === 1) return [ await pooledQuery<T>(sequelize, target, sql, sets[0]) ];
  return unionRows<T, QueryValues>(sets, maxSets, false, (count, values) =>
    pooledQuery<T & { batch_key: number }>(sequelize, target, `${unionOf(sql, count)} ORDER BY batch_key, ${order}`, values));
}

async function unionRows<T, V>(sets: Array<Record<string, V>>, maxSets: number, pad: boolean,
  run: (count: number, values: Record<string, V>) => Promise<Array<T & { batch_key: number }>>): Promise<T[][]> {
  const answers: T[][] = sets.map(() => []);
  const chunks: number[] = [];
  for (let i = 0; i < sets.length; i += maxSets) chunks.push(i);
  await Promise.all(chunks.map(async start => {
    const chunk = sets.slice(start, start + maxSets);
    let size = chunk.length;
    if (pad) {
      size = 1;
      while (size < chunk.length) size *= 2;
    }
    const values: Record<string, V> = {};
    for (let i = 0; i < size; i++) {
      for (const [ name, value ] of Object.entries(chunk[Math.min(i, chunk.length - 1)])) values[`${name}_${i}`] = value;
    }
    for (const { batch_key, ...row } of await run(size, values)) {
      if (batch_key < chunk.length) answers[start + Number(batch_key)].push(row as unknown as T);
    }
  }));
  return answers;
}

/**
 * mysql2's own conversions instead of Sequelize's connection-wide typeCast, which runs for every
 * field of every row and parses each DATETIME through moment-timezone. The values are the same
 * for what the hot reads select: DATETIME as a Date in the connection's time zone (Sequelize gives
 * mysql2 its `timezone`, +00:00), integers as numbers (BIGINT too while safe: supportBigNumbers),
 * text as strings; DATE columns are selected formatted (DATE_FORMAT) where they are read.
 */
const driverTypes = (_field: unknown, next: () => unknown) => next();

/**
 * A statement with `:name` values, escaped by the driver, text protocol and the driver's own
 * conversions: for statements returning many rows (see above), or whose text varies too much to
 * prepare each.
 */
export function pooledQuery<T>(sequelize: Sequelize, target: Target, sql: string, values: Record<string, QueryValues>): Promise<T[]> {
  return onPooledConnection(sequelize, target, connection => namedQuery<T>(connection, sql, values));
}

function namedQuery<T>(connection: Connection, sql: string, values: Record<string, QueryValues>): Promise<T[]> {
  return new Promise<T[]>((resolve, reject) => {
    connection.query<RowDataPacket[]>({ sql, values, namedPlaceholders: true, typeCast: driverTypes },
      (err, rows) => (err ? reject(err) : resolve(rows as T[])));
  });
}

/**
 * A transaction on a pooled connection of the primary without Sequelize (pooledTransaction):
 * the send batch's, whose every statement runs on `connection` (transactionExecute,
 * transactionQuery).
 */
export interface PooledTransaction {
  readonly connection: Connection;
}

/** What the statements run inside a transaction take: Sequelize's (its `connection` is untyped) or a PooledTransaction. */
export type AnyTransaction = Transaction | PooledTransaction;

const connectionOf = (transaction: AnyTransaction) => (transaction as PooledTransaction).connection;

function statement(connection: Connection, sql: string): Promise<void> {
  return new Promise<void>((resolve, reject) => connection.query(sql, err => (err ? reject(err) : resolve())));
}

/**
 * `work` inside a READ COMMITTED transaction (see app/lib/lockedTransaction.ts for why) on a
 * pooled connection of the primary: SET TRANSACTION, START TRANSACTION, COMMIT or ROLLBACK are
 * sent as they are, not through Sequelize's pipeline (its transaction object, queue and hooks),
 * so a batch of the send path costs the driver's work only. Rolled back when `work` throws; a
 * connection whose ROLLBACK or COMMIT failed is closed (its state is unknown), and the pool's
 * validation drops it. A failed COMMIT rejects: the caller cannot tell whether it was applied.
 */
export function pooledTransaction<T>(sequelize: Sequelize, work: (transaction: PooledTransaction) => Promise<T>): Promise<T> {
  return onPooledConnection(sequelize, 'write', async connection => {
    await statement(connection, 'SET TRANSACTION ISOLATION LEVEL READ COMMITTED');
    await statement(connection, 'START TRANSACTION');
    let value: T;
    try {
      value = await work({ connection });
    } catch (err) {
      await statement(connection, 'ROLLBACK').catch(() => connection.destroy());
      throw err;
    }
    try {
      await statement(connection, 'COMMIT');
    } catch (err) {
      connection.destroy();
      throw err;
    }
    return value;
  });
}

/** pooledQuery's statement (`:name` values, text protocol, the driver's conversions) on the connection of `transaction`. */
export function transactionQuery<T>(transaction: AnyTransaction, sql: string, values: Record<string, QueryValues>): Promise<T[]> {
  return namedQuery<T>(connectionOf(transaction), sql, values);
}

/**
 * A prepared statement on the connection of `transaction` (a pooled connection too): the
 * statements of the send path, which run inside the transaction that holds the conversation
 * locks. An INSERT answers its ResultSetHeader (insertId, affectedRows).
 */
export function transactionExecute<T>(transaction: AnyTransaction, sql: string, values: ExecuteValues[]): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    connectionOf(transaction).execute<RowDataPacket[]>(sql, values, (err, rows) => (err ? reject(err) : resolve(rows as unknown as T)));
  });
}
