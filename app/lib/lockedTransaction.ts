// Transactions that lock rows (friends: both users of a pair). InnoDB resolves a deadlock by
// failing one of the transactions, and a lock wait by timing out; either is worth one more
// try, since the other transaction has usually finished by then. Shared by every domain.
import { Sequelize, Transaction } from 'sequelize';
import { retryOnLockConflict } from './dependencyErrors';

const READ_COMMITTED = Transaction.ISOLATION_LEVELS.READ_COMMITTED;

/**
 * A transaction for code that starts by locking rows (SELECT ... FOR UPDATE), retried once on a
 * lock conflict. READ COMMITTED: every read sees what was committed before it ran, so the reads
 * made after the locks see the latest state of what the locks guard, and locking reads take no
 * gap locks (fewer deadlocks between unrelated pairs).
 */
export function lockingTransaction<T>(sequelize: Sequelize, work: (transaction: Transaction) => Promise<T>): Promise<T> {
  return retryOnLockConflict(() => readCommittedTransaction(sequelize, work));
}

/** lockingTransaction() without its retry: for a caller that decides itself what a lock conflict means (the batched send). */
export function readCommittedTransaction<T>(sequelize: Sequelize, work: (transaction: Transaction) => Promise<T>): Promise<T> {
  return sequelize.transaction({ isolationLevel: READ_COMMITTED }, work);
}

/** True for a transaction opened by lockingTransaction() (the isolation it relies on). */
export function isLockingTransaction(transaction: Transaction): boolean {
  return (transaction as unknown as { options: { isolationLevel?: string } }).options.isolationLevel === READ_COMMITTED;
}
