// The statements of a user search (README "Performance": "Plans that cannot degrade"), on
// `user` and its search index `user_search_gram` (kept in step by the migrations' triggers;
// rebuilt by scripts/search-reindex.js). Each
// tier's join order and index are fixed here, not left to the optimizer: with `ORDER BY id
// LIMIT n`, MariaDB may prefer walking `user` by its primary key (no sort, stop at n rows) and
// read the whole table when fewer than n rows match. So every statement names its driving
// range, chosen from range sizes measured for the keyword itself (the probe), and the
// optimizer only fills in primary-key probes.
import type { Sequelize } from 'sequelize';
import { escapeLike } from '../lib/account/like';
import { GramLookup, gramLookup, MAX_GRAMS } from '../lib/account/searchGrams';
import { SearchResult } from '../lib/account/userView';
import { pooledQuery } from '../lib/pooledQuery';

/**
 * What the index says each range a tier may drive from holds: MariaDB's own index dives
 * (EXPLAIN's `rows`), exact up to a few thousand entries (the dive reads those pages), an
 * estimate above; never table statistics. At least 1, even for an empty range.
 */
export interface RangeSizes {
  /** Names starting with the keyword (a range of the unique username index). */
  byName: number;
  /** Rows of the keyword's prefix gram. */
  prefixGram: number;
  /** Rows of each anywhere gram, in `lookup.anywhere` order. */
  grams: number[];
}

/** A rest-tier walk this short rides along with the first statement. */
export const CHEAP_REST_ROWS = 200;

/**
 * Range sizes are kept per keyword for this long (and for at most SIZES_KEPT keywords, least
 * recently used first out): they choose the plan, never the answer, and a range that grew
 * meanwhile costs at most its walk until the next probe.
 */
export const SIZES_TTL_MS = 60000;
export const SIZES_KEPT = 10000;

const COLUMNS = 'u.id, u.username, u.avatar, u.role, u.uuid, u.nickname';
// CONTRACT: never the caller, disabled, deleted or visitor users.
const LISTABLE = "u.id <> :callerId AND u.status = 1 AND u.is_deleted = 0 AND u.role <> 'visitor'";
// The operator console (CONTRACT-admin §4) finds every account, gone ones and visitors too.
const EVERYONE = 'u.id <> :callerId';

/** Who a search may return: what users may list, or (the console) every account. */
export type SearchScope = 'listable' | 'everyone';
const ESCAPE = "ESCAPE '\\\\'";

/** `user_search_gram` rows of gram `:name` walked as `alias`. */
const gramRange = (alias: string, name: string, isPrefix: 0 | 1) =>
  `${alias}.gram = :${name} AND ${alias}.is_prefix = ${isPrefix}`;

/** Primary-key probes: the candidate `g.user_id` also has each of these anywhere grams. */
const gramProbes = (names: string[]) => names.map((name, i) =>
  `JOIN user_search_gram f${i} ON ${gramRange(`f${i}`, name, 0)} AND f${i}.user_id = g.user_id`).join(' ');

/** The users of the gram range `g` (in id order, the key's order), each probed as above. */
const walk = (tier: number, range: string, probes: string[]) =>
  `SELECT STRAIGHT_JOIN ${tier} AS tier, ${COLUMNS}
    FROM user_search_gram g ${gramProbes(probes)} JOIN \`user\` u ON u.id = g.user_id
    WHERE ${range}`;

export class SearchPlan {
  private readonly gramNames: string[];

  private readonly listable: string;

  constructor(readonly keyword: string, private readonly lookup: GramLookup, scope: SearchScope = 'listable') {
    this.listable = scope === 'listable' ? LISTABLE : EVERYONE;
    this.gramNames = lookup.anywhere.map((_, i) => `a${i}`);
  }

  /** Named replacements of every statement below. */
  replacements(callerId: number, limit: number): Record<string, string | number> {
    const pattern = escapeLike(this.keyword);
    const values: Record<string, string | number> = {
      keyword: this.keyword, callerId, limit, contains: `%${pattern}%`, prefix: `${pattern}%`, p0: this.lookup.prefix,
    };
    this.lookup.anywhere.forEach((gram, i) => { values[`a${i}`] = gram; });
    return values;
  }

  /**
   * EXPLAIN of one SELECT per range: row `id` 1 is the name range, 2 the prefix gram, 3 + i
   * the anywhere gram i (see sizesOf). Reads only the index pages of the dives.
   */
  probe(): string {
    const grams = [ gramRange('g', 'p0', 1), ...this.gramNames.map(name => gramRange('g', name, 0)) ];
    return `EXPLAIN SELECT 1 FROM \`user\` FORCE INDEX (uk_user_username) WHERE username LIKE :prefix ${ESCAPE}
      ${grams.map(range => `UNION ALL SELECT 1 FROM user_search_gram g WHERE ${range}`).join(' ')}`;
  }

  /** The probe's answer, read. */
  sizesOf(explained: Array<{ id: number | null; rows: number | string | null }>): RangeSizes {
    const rows = (id: number) => Number(explained.find(row => Number(row.id) === id)?.rows ?? 1);
    return { byName: rows(1), prefixGram: rows(2), grams: this.gramNames.map((_, i) => rows(3 + i)) };
  }

  /**
   * CONTRACT: the exact name first, then names starting with the keyword, by id; and the rest
   * tier too when it will be needed or costs little (restInFirst): one statement per search.
   */
  first(sizes: RangeSizes, limit: number): string {
    const exact = `SELECT 0 AS tier, ${COLUMNS} FROM \`user\` u
      WHERE u.username = :keyword AND u.username LIKE :contains ${ESCAPE} AND ${this.listable}`;
    const verify = `u.username LIKE :prefix ${ESCAPE} AND u.username <> :keyword AND ${this.listable}`;
    const prefix = this.byNameIsCheaper(sizes, limit) ?
      `SELECT 1 AS tier, ${COLUMNS} FROM \`user\` u FORCE INDEX (uk_user_username) WHERE ${verify} ORDER BY u.id LIMIT :limit` :
      `${walk(1, gramRange('g', 'p0', 1), this.rarest(sizes, MAX_GRAMS - 1, 1))} AND ${verify} ORDER BY g.user_id LIMIT :limit`;
    const rest = this.restInFirst(sizes, limit) ? ` UNION ALL (${this.rest(sizes)})` : '';
    return `(${exact}) UNION ALL (${prefix})${rest} ORDER BY tier, id LIMIT :limit`;
  }

  /**
   * The rest tier rides along with the first statement when fewer names than `limit` start with
   * the keyword (the tiers before cannot fill the page, so it will be needed), or when its
   * smallest gram is so short that walking it costs less than a round trip. Otherwise the
   * prefix tier fills the page, and a rest walk would only look for matches nobody reads.
   */
  restInFirst(sizes: RangeSizes, limit: number): boolean {
    return sizes.byName < limit || Math.min(...sizes.grams) <= CHEAP_REST_ROWS;
  }

  /**
   * The name range, in name order, must be read whole and sorted by id. The prefix gram, in id
   * order, stops after `limit` matches: with matches spread evenly over its rows, after about
   * limit * prefixGram / byName rows. Reads the fewer rows.
   */
  private byNameIsCheaper(sizes: RangeSizes, limit: number): boolean {
    return sizes.byName * sizes.byName <= limit * sizes.prefixGram;
  }

  /** CONTRACT: then the names containing the keyword further in, by id. */
  rest(sizes: RangeSizes): string {
    const [ driver, ...probes ] = this.rarest(sizes, MAX_GRAMS, 0);
    return `${walk(2, gramRange('g', driver, 0), probes)}
      AND u.username LIKE :contains ${ESCAPE} AND u.username NOT LIKE :prefix ${ESCAPE} AND ${this.listable}
      ORDER BY g.user_id LIMIT :limit`;
  }

  /** Names of up to `count` anywhere grams, the smallest ranges first, skipping the first `skip`. */
  private rarest(sizes: RangeSizes, count: number, skip: number): string[] {
    const order = this.gramNames.map((name, i) => ({ name, i, size: sizes.grams[i] }))
      .filter(gram => gram.i >= skip)
      .sort((a, b) => a.size - b.size || a.i - b.i);
    return order.slice(0, count).map(gram => gram.name);
  }
}

/** A row of a search: the user and the tier it was found in (0 exact, 1 prefix, 2 the rest). */
export type TieredRow = SearchResult & { tier: number };

export class SearchRepository {
  /** Range sizes by keyword, with when they were probed (Map order: least recently used first). */
  private readonly sizes = new Map<string, { sizes: RangeSizes; at: number }>();

  constructor(private readonly sequelize: Sequelize) {}

  /**
   * Listable users whose username contains the keyword, case-insensitively (the column's
   * collation); exact match first, then prefix, then the rest, ties by id. The same rows, in the
   * same order, as the plain
   *   WHERE username LIKE '%kw%' AND <listable> ORDER BY username = kw DESC, username LIKE 'kw%' DESC, id
   * without scanning the table. The sizes of the keyword's ranges (one EXPLAIN, kept
   * SIZES_TTL_MS for the next searches of it) choose the plan; then one statement, and a second
   * for the rest tier only when the first left it out and rows are missing.
   */
  async listMatches(keyword: string, limit: number, callerId: number, scope: SearchScope = 'listable'): Promise<TieredRow[]> {
    const lookup = gramLookup(keyword);
    if (!lookup) return [];
    const plan = new SearchPlan(keyword, lookup, scope);
    const values = plan.replacements(callerId, limit);
    const sizes = await this.rangeSizes(plan, values);
    const found = await this.select<TieredRow>(plan.first(sizes, limit), values);
    if (found.length < limit && !plan.restInFirst(sizes, limit)) {
      const rest = await this.select<TieredRow>(plan.rest(sizes), { ...values, limit: limit - found.length });
      // A second statement: skip a row that a concurrent rename moved between the tiers.
      found.push(...rest.filter(row => !found.some(seen => seen.id === row.id)));
    }
    return found;
  }

  /** Forgets every kept range size (the plan test, after loading other data). */
  forgetSizes(): void {
    this.sizes.clear();
  }

  private async rangeSizes(plan: SearchPlan, values: Record<string, string | number>): Promise<RangeSizes> {
    const kept = this.sizes.get(plan.keyword);
    const now = Date.now();
    if (kept && now - kept.at < SIZES_TTL_MS) {
      this.sizes.delete(plan.keyword);
      this.sizes.set(plan.keyword, kept);
      return kept.sizes;
    }
    const sizes = plan.sizesOf(await this.select(plan.probe(), values));
    this.sizes.delete(plan.keyword);
    this.sizes.set(plan.keyword, { sizes, at: now });
    if (this.sizes.size > SIZES_KEPT) this.sizes.delete(this.sizes.keys().next().value!);
    return sizes;
  }

  /**
   * One search statement on a pooled connection of a replica, text protocol: up to 20 rows, which
   * mysql2's binary parser would wrap field by field (app/lib/pooledQuery.ts); the plan test
   * wraps this to ANALYZE each statement.
   */
  protected select<T extends object>(sql: string, values: Record<string, string | number>): Promise<T[]> {
    return pooledQuery<T>(this.sequelize, 'read', sql, values);
  }
}
