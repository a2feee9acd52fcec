// How repositories run SQL through Sequelize's connection (transactions, replicas, the query
// timeout): named `:parameters`, no model layer. Hot paths use app/lib/pooledQuery.ts instead.
import { QueryTypes, Sequelize, Transaction } from 'sequelize';

export type Replacements = Record<string, unknown>;

/** Rows of a SELECT, read on the primary (a client reads back right after writing). */
export function select<T extends object>(sequelize: Sequelize, sql: string, replacements: Replacements, transaction?: Transaction): Promise<T[]> {
  return sequelize.query<T>(sql, { type: QueryTypes.SELECT, replacements, transaction, useMaster: true });
}

/** An UPDATE or DELETE; resolves to the number of rows it changed. */
export async function change(sequelize: Sequelize, sql: string, replacements: Replacements, transaction?: Transaction): Promise<number> {
  return await sequelize.query(sql, { type: QueryTypes.BULKUPDATE, replacements, transaction }) as unknown as number;
}

/** An INSERT; resolves to the first new id. */
export async function insert(sequelize: Sequelize, sql: string, replacements: Replacements, transaction?: Transaction): Promise<number> {
  const [ id ] = await sequelize.query(sql, { type: QueryTypes.INSERT, replacements, transaction });
  return id as unknown as number;
}

/**
 * Sequelize `afterConnect` hook: lock waits give up after `seconds` (InnoDB's default is 50 s),
 * inside the 2 s query timeout, so a lock wait ends as a lock conflict that can be retried.
 */
export function lockWaitTimeout(seconds: number) {
  return (connection: { query(sql: string, callback: (err: unknown) => void): void }) => new Promise<void>((resolve, reject) => {
    connection.query(`SET SESSION innodb_lock_wait_timeout = ${Number(seconds)}`, err => (err ? reject(err) : resolve()));
  });
}
