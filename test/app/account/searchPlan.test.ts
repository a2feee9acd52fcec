import { strict as assert } from 'node:assert';
import { app, mock } from 'egg-mock/bootstrap';
import { QueryTypes } from 'sequelize';
import { escapeLike } from '../../../app/lib/account/like';
import { gramLookup } from '../../../app/lib/account/searchGrams';
/* eslint-disable @typescript-eslint/no-var-requires */
const { handles, keywords } = require('../../../bench/handles.js');
const { reindex } = require('../../../scripts/search-reindex.js');
/* eslint-enable @typescript-eslint/no-var-requires */

// README "Performance", "Plans that cannot degrade": on a table of realistic handles, every
// statement a search runs reads at most the rows of the keyword's most selective index range
// plus the rows it returns, and never scans `user` or the gram index.
const USERS = Number(process.env.SEARCH_PLAN_USERS) || 100000;
const PER_KIND = Number(process.env.SEARCH_PLAN_KEYWORDS) || 100;
const LIMIT = 20;

interface TableAccess { table: string; access: string; key: string | undefined; read: number }

/** Every table access of an ANALYZE FORMAT=JSON plan, with the rows it really read in all. */
function accesses(plan: unknown): TableAccess[] {
  const found: TableAccess[] = [];
  const visit = (node: unknown) => {
    if (!node || typeof node !== 'object') return;
    const table = (node as { table?: Record<string, any> }).table;
    if (table?.table_name && table.access_type) {
      found.push({ table: table.table_name, access: table.access_type, key: table.key, read: (table.r_loops ?? 0) * (table.r_rows ?? 0) });
    }
    Object.values(node).forEach(visit);
  };
  visit(plan);
  return found;
}

async function seed(names: string[]) {
  const { sequelize } = app.config as any;
  const mysql = await import('mysql2/promise');
  const connection = await mysql.createConnection({
    host: sequelize.host, port: sequelize.port, user: sequelize.username, password: sequelize.password, database: sequelize.database,
  });
  try {
    await connection.query('SET @user_search_gram_paused = 1');
    for (let i = 0; i < names.length; i += 5000) {
      // Some users disabled, deleted or visitors: filtered on the user row, so they cost reads.
      const rows = names.slice(i, i + 5000).map((name, j) => {
        const roll = (i + j) % 50;
        return [ name, roll === 0 ? 0 : 1, roll === 1 ? 1 : 0, roll === 2 ? 'visitor' : 'user' ];
      });
      await connection.query(`INSERT INTO user (uuid, username, password, avatar, status, is_deleted, role, register_time, create_time, update_time)
        SELECT UUID(), v.username, 'x', 'a.png', v.status, v.is_deleted, v.role, NOW(3), NOW(3), NOW(3)
        FROM JSON_TABLE(?, '$[*]' COLUMNS (username VARCHAR(20) PATH '$[0]', status INT PATH '$[1]', is_deleted INT PATH '$[2]', role VARCHAR(10) PATH '$[3]')) v`,
      [ JSON.stringify(rows) ]);
    }
    await connection.query('SET @user_search_gram_paused = NULL');
    await reindex(connection);
    await connection.query('ANALYZE TABLE user, user_search_gram');
  } finally {
    await connection.end();
  }
}

const count = async (sql: string, replacements: Record<string, string>) =>
  Number((await app.model.query<{ n: number }>(`SELECT COUNT(*) AS n FROM ${sql}`, { type: QueryTypes.SELECT, replacements }))[0].n);

/** The true size of every range a search for `keyword` could drive from. */
async function rangeSizes(keyword: string) {
  const lookup = gramLookup(keyword)!;
  const byName = await count("user WHERE username LIKE :prefix ESCAPE '\\\\'", { prefix: `${escapeLike(keyword)}%` });
  const prefixGram = await count('user_search_gram WHERE gram = :gram AND is_prefix = 1', { gram: lookup.prefix });
  const grams = await Promise.all(lookup.anywhere.map(gram => count('user_search_gram WHERE gram = :gram AND is_prefix = 0', { gram })));
  return { byName, prefixGram, grams };
}

type Tier = 'exact+prefix' | 'rest' | 'all';
const tierOf = (sql: string): Tier => (!sql.includes('2 AS tier') ? 'exact+prefix' : sql.includes('1 AS tier') ? 'all' : 'rest');

/**
 * Runs the service's search for each keyword, ANALYZEs every statement it runs, and returns
 * one line per broken rule.
 */
async function violations(byKind: Record<string, string[]>) {
  const service = app.mockContext().service.account.search;
  // The repository runs every statement of a search through its select (app/repository/search.ts).
  const repository = app.repos.search as any;
  // Range sizes kept from searches of other data (other test files in the same process) must not choose these plans.
  app.repos.search.forgetSizes();
  const select = repository.select.bind(repository);
  let statements: Array<{ tier: Tier; plan: TableAccess[]; returned: number }> = [];
  mock(repository, 'select', async (sql: string, replacements: Record<string, string | number>) => {
    const rows = await select(sql, replacements);
    // The probe is an EXPLAIN: it reads the index pages of its dives, no rows.
    if (sql.startsWith('EXPLAIN')) return rows;
    const [ analyzed ] = await app.model.query<Record<string, string>>(`ANALYZE FORMAT=JSON ${sql}`, { type: QueryTypes.SELECT, replacements });
    statements.push({ tier: tierOf(sql), plan: accesses(JSON.parse(Object.values(analyzed)[0])), returned: rows.length });
    return rows;
  });
  const found: string[] = [];
  const checked = { keywords: 0, 'exact+prefix': 0, rest: 0, all: 0 };
  for (const [ kind, list ] of Object.entries(byKind)) {
    for (const keyword of list) {
      statements = [];
      await service.users(keyword, LIMIT, 0);
      checked.keywords++;
      const sizes = await rangeSizes(keyword);
      const smallest = {
        'exact+prefix': 1 + Math.min(sizes.byName, sizes.prefixGram, ...sizes.grams),
        rest: Math.min(...sizes.grams),
        // One statement, each tier reading within its own bound: the larger of the two holds.
        all: 1 + Math.min(...sizes.grams),
      };
      for (const { tier, plan, returned } of statements) {
        checked[tier]++;
        // The dives cannot tell an empty range from one of a single row: both count as 1.
        const bound = Math.max(1, smallest[tier]) + returned;
        for (const step of plan) {
          const where = `${kind} "${keyword}", ${tier}: ${step.table} ${step.access} ${step.key ?? '-'}`;
          if (step.access === 'ALL' || step.access === 'index') found.push(`${where}: a scan`);
          if (step.read > bound) found.push(`${where}: read ${step.read} rows, bound ${bound} (${JSON.stringify(sizes)})`);
        }
      }
    }
  }
  return { found, checked };
}

describe('search plans on realistic handles (ANALYZE)', () => {
  it(`no tier of any keyword kind scans, or reads beyond its smallest range, on ${USERS} users`, async function() {
    this.timeout(600000);
    const names = handles(USERS);
    await seed(names);
    const byKind = keywords(names, PER_KIND);
    for (const [ kind, list ] of Object.entries(byKind)) assert.ok((list as string[]).length >= PER_KIND * 0.9, `too few ${kind} keywords`);

    const { found, checked } = await violations(byKind);
    assert.deepEqual(found.slice(0, 40), [], `${found.length} violations in ${JSON.stringify(checked)}`);
    // Every keyword ran one first statement (with the rest tier when that walk is short), and
    // the rest tier ran on its own wherever the first left rows missing.
    assert.equal(checked['exact+prefix'] + checked.all, checked.keywords);
    assert.ok(checked.all >= checked.keywords / 4, `the three tiers ran together only ${checked.all} times`);
    assert.ok(checked.rest + checked.all >= checked.keywords / 2, `the rest tier ran only ${checked.rest + checked.all} times`);
  });
});
