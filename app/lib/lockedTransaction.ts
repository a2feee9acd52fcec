// Transactions that lock rows (friends: both users of a pair). InnoDB resolves a deadlock by
// failing one of the transactions, and a lock wait by timing out; either is worth one more
// try, since the other transaction has usually finished by then. Shared by every domain.
import { Sequelize, Transaction } from 'sequelize';
import { ServiceUnavailableError } from './errors';

// MySQL/MariaDB errors 1213 and 1205, as mysql2 names them.
const LOCK_CONFLICTS = new Set([ 'ER_LOCK_DEADLOCK', 'ER_LOCK_WAIT_TIMEOUT' ]);

/** A deadlock or lock-wait timeout, raw from mysql2 or wrapped by Sequelize. */
export function isLockConflict(err: unknown): boolean {
  const e = err as { code?: string; parent?: { code?: string }; original?: { code?: string } } | null;
  return [ e, e?.parent, e?.original ].some(cause => LOCK_CONFLICTS.has(cause?.code ?? ''));
}

/**
 * Runs `work`; when it fails with a lock conflict, runs it again, up to `retries` more times,
 * then throws ServiceUnavailableError (503). `work` must be a whole transaction: InnoDB has
 * already rolled the failed one back (a deadlock) or Sequelize does (a lock-wait timeout).
 */
export async function retryOnLockConflict<T>(work: () => Promise<T>, retries = 1): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await work();
    } catch (err) {
      if (!isLockConflict(err)) throw err;
      if (attempt >= retries) throw new ServiceUnavailableError();
    }
  }
}

const READ_COMMITTED = Transaction.ISOLATION_LEVELS.READ_COMMITTED;

/**
 * A transaction for code that starts by locking rows (SELECT ... FOR UPDATE), retried once on a
 * lock conflict. READ COMMITTED: every read sees what was committed before it ran, so the reads
 * made after the locks see the latest state of what the locks guard, and locking reads take no
 * gap locks (fewer deadlocks between unrelated pairs).
 */
export function lockingTransaction<T>(sequelize: Sequelize, work: (transaction: Transaction) => Promise<T>): Promise<T> {
  return retryOnLockConflict(() => sequelize.transaction({ isolationLevel: READ_COMMITTED }, work));
}

/** True for a transaction opened by lockingTransaction() (the isolation it relies on). */
export function isLockingTransaction(transaction: Transaction): boolean {
  return (transaction as unknown as { options: { isolationLevel?: string } }).options.isolationLevel === READ_COMMITTED;
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
