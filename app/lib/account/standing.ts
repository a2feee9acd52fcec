// The auth check's primary-key lookup, on every authenticated request (README "Performance").
// Lookups started in the same turn of the event loop share one statement, `WHERE id IN (…)`:
// each request's lookup is still sent after the request arrived, so a user disabled, deleted
// or re-enabled by then is seen, and a busy worker sends one query and one socket write per
// turn instead of one per request. The statement runs with mysql2's `execute` (prepared once
// per connection and id count) on a connection of Sequelize's own pool: the same host,
// credentials, replication choice, query timeout and fault behaviour, without Sequelize's query
// pipeline (replacements, query object, result mapping), which cost more than the driver.
import type { Connection, RowDataPacket } from 'mysql2';
import type { Sequelize } from 'sequelize';

/** What every authenticated request needs to know of its user. */
export interface Standing {
  id: number;
  status: number;
  is_deleted: number;
  role: string;
}

interface Waiter {
  resolve(standing: Standing | null): void;
  reject(err: unknown): void;
}

// Id counts are padded to a power of two (the last id repeated), so a connection prepares at
// most 7 statements; more ids than MAX_IDS go out as several statements.
const MAX_IDS = 64;
const statements = new Map<number, string>();
function statementFor(count: number): string {
  let sql = statements.get(count);
  if (!sql) {
    sql = `SELECT id, status, is_deleted, role FROM \`user\` WHERE id IN (${new Array(count).fill('?').join(', ')})`;
    statements.set(count, sql);
  }
  return sql;
}

async function select(sequelize: Sequelize, ids: number[]): Promise<RowDataPacket[]> {
  let size = 1;
  while (size < ids.length) size *= 2;
  const values = ids.concat(new Array(size - ids.length).fill(ids[ids.length - 1]));
  const manager = sequelize.connectionManager;
  // 'write': the primary, never a replica (README "Deploying").
  const pooled = await manager.getConnection({ type: 'write' });
  try {
    return await new Promise<RowDataPacket[]>((resolve, reject) => {
      (pooled as unknown as Connection).execute<RowDataPacket[]>(statementFor(size), values, (err, rows) => (err ? reject(err) : resolve(rows)));
    });
  } finally {
    // A connection that failed is dropped by the pool's validation before its next use.
    manager.releaseConnection(pooled);
  }
}

class StandingBatch {
  private pending = new Map<number, Waiter[]>();

  constructor(private readonly sequelize: Sequelize) {}

  find(id: number): Promise<Standing | null> {
    return new Promise((resolve, reject) => {
      if (this.pending.size === 0) setImmediate(() => this.flush());
      const waiters = this.pending.get(id);
      if (waiters) waiters.push({ resolve, reject });
      else this.pending.set(id, [{ resolve, reject }]);
    });
  }

  private flush() {
    const batch = this.pending;
    this.pending = new Map();
    const ids = [ ...batch.keys() ];
    for (let i = 0; i < ids.length; i += MAX_IDS) {
      const chunk = ids.slice(i, i + MAX_IDS);
      select(this.sequelize, chunk).then(rows => {
        const found = new Map(rows.map(row => [ row.id as number, row as Standing ]));
        for (const id of chunk) for (const waiter of batch.get(id)!) waiter.resolve(found.get(id) ?? null);
      }, err => {
        for (const id of chunk) for (const waiter of batch.get(id)!) waiter.reject(err);
      });
    }
  }
}

const batches = new WeakMap<Sequelize, StandingBatch>();

/** The user's standing as stored when the lookup is sent, or null. */
export function findStanding(sequelize: Sequelize, id: number): Promise<Standing | null> {
  let batch = batches.get(sequelize);
  if (!batch) batches.set(sequelize, batch = new StandingBatch(sequelize));
  return batch.find(id);
}
