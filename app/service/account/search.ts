import { Service } from 'egg';
import { gramLookup } from '../../lib/account/searchGrams';
import { RangeSizes, SearchPlan } from '../../lib/account/searchPlan';
import { SearchResult, searchResult } from '../../lib/account/userView';
import { pooledQuery } from '../../lib/pooledQuery';

type TieredRow = SearchResult & { tier: number };

export default class SearchService extends Service {
  /**
   * CONTRACT: POST /api/chat/searchUser. Usernames containing the keyword, case-insensitively
   * (the column's collation); exact match first, then prefix, then the rest, ties by id.
   * Returns the same rows, in the same order, as the plain
   *   WHERE username LIKE '%kw%' AND <listable> ORDER BY username = kw DESC, username LIKE 'kw%' DESC, id
   * without scanning the table (README "Performance"): a keyword longer than a gram first
   * measures its ranges (one EXPLAIN); then the exact name and the prefix tier in one
   * statement (with the rest tier when its walk is short); the rest tier only while rows are missing.
   */
  async users(keyword: string, limit: number, callerId: number): Promise<SearchResult[]> {
    const lookup = gramLookup(keyword);
    if (!lookup) return [];
    const plan = new SearchPlan(keyword, lookup);
    const replacements = plan.replacements(callerId, limit);
    let sizes: RangeSizes | null = null;
    if (plan.needsProbe) sizes = plan.sizesOf(await this.select(plan.probe(), replacements));
    const found = await this.select<TieredRow>(plan.first(sizes, limit), replacements);
    if (found.length < limit && !plan.restIsCheap(sizes)) {
      const rest = await this.select<TieredRow>(plan.rest(sizes), { ...replacements, limit: limit - found.length });
      // A second statement: skip a row that a concurrent rename moved between the tiers.
      found.push(...rest.filter(row => !found.some(seen => seen.id === row.id)));
    }
    return found.map(searchResult);
  }

  /** One search statement (the plan test wraps this to ANALYZE each statement it runs). */
  protected select<T extends object>(sql: string, values: Record<string, string | number>): Promise<T[]> {
    return pooledQuery<T>(this.ctx.model, 'read', sql, values);
  }
}
