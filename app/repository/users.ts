// The `user` table's standing reads (docs: architecture "Repositories"). The auth check's
// primary-key lookup runs on every authenticated request: lookups started in the same turn of
// the event loop share one statement, `WHERE id IN (…)` (app/lib/turnBatch.ts), prepared once
// per connection and id count (app/lib/pooledQuery.ts).
import type { Sequelize } from 'sequelize';
import { Standing } from '../lib/account/standing';
import { pooledExecute } from '../lib/pooledQuery';
import { TurnBatch } from '../lib/turnBatch';

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

export class UserRepository {
  private readonly batch = new TurnBatch<number, Standing | null>(ids => this.listStandings(ids));

  constructor(private readonly sequelize: Sequelize) {}

  /** The user's standing as stored when the lookup is sent, or null (batched per event-loop turn). */
  findStanding(id: number): Promise<Standing | null> {
    return this.batch.get(id);
  }

  /** The standing of each id, in the order given (null: no such user), MAX_IDS ids per statement. */
  async listStandings(ids: number[]): Promise<Array<Standing | null>> {
    const chunks: number[][] = [];
    for (let i = 0; i < ids.length; i += MAX_IDS) chunks.push(ids.slice(i, i + MAX_IDS));
    const found = new Map((await Promise.all(chunks.map(chunk => this.selectStandings(chunk)))).flat().map(row => [ row.id, row ]));
    return ids.map(id => found.get(id) ?? null);
  }

  private selectStandings(ids: number[]): Promise<Standing[]> {
    let size = 1;
    while (size < ids.length) size *= 2;
    const values = ids.concat(new Array(size - ids.length).fill(ids[ids.length - 1]));
    return pooledExecute<Standing>(this.sequelize, 'write', statementFor(size), values);
  }
}
