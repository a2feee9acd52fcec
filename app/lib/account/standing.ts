// The auth check's primary-key lookup, on every authenticated request (README "Performance").
// Lookups started in the same turn of the event loop share one statement, `WHERE id IN (…)`
// (app/lib/turnBatch.ts), prepared once per connection and id count (app/lib/pooledQuery.ts).
import type { Sequelize } from 'sequelize';
import { pooledExecute } from '../pooledQuery';
import { TurnBatch } from '../turnBatch';

/** What every authenticated request needs to know of its user. */
export interface Standing {
  id: number;
  status: number;
  is_deleted: number;
  role: string;
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

function select(sequelize: Sequelize, ids: number[]): Promise<Standing[]> {
  let size = 1;
  while (size < ids.length) size *= 2;
  const values = ids.concat(new Array(size - ids.length).fill(ids[ids.length - 1]));
  return pooledExecute<Standing>(sequelize, 'write', statementFor(size), values);
}

async function selectAll(sequelize: Sequelize, ids: number[]): Promise<Array<Standing | null>> {
  const chunks: number[][] = [];
  for (let i = 0; i < ids.length; i += MAX_IDS) chunks.push(ids.slice(i, i + MAX_IDS));
  const found = new Map((await Promise.all(chunks.map(chunk => select(sequelize, chunk)))).flat().map(row => [ row.id, row ]));
  return ids.map(id => found.get(id) ?? null);
}

const batches = new WeakMap<Sequelize, TurnBatch<number, Standing | null>>();

/** The user's standing as stored when the lookup is sent, or null. */
export function findStanding(sequelize: Sequelize, id: number): Promise<Standing | null> {
  let batch = batches.get(sequelize);
  if (!batch) batches.set(sequelize, batch = new TurnBatch(ids => selectAll(sequelize, ids)));
  return batch.get(id);
}
