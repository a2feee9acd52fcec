import { Service } from 'egg';
import { QueryTypes } from 'sequelize';
import { escapeLike } from '../../lib/account/like';
import { gramLookup } from '../../lib/account/searchGrams';
import { SearchResult } from '../../lib/account/userView';

const SELECT = 'SELECT u.id, u.username, u.avatar, u.role, u.uuid, u.nickname';
// CONTRACT: never the caller, disabled, deleted or visitor users.
const LISTABLE = "u.id <> :callerId AND u.status = 1 AND u.is_deleted = 0 AND u.role <> 'visitor'";

/**
 * Users under every one of the `grams` (names of replacements) in the search index, walked in
 * id order: the first gram's rows drive, each further gram is a primary-key probe.
 */
function candidates(grams: string[], isPrefix: 0 | 1) {
  const probes = grams.slice(1).map((gram, i) =>
    `JOIN user_search_gram g${i + 1} ON g${i + 1}.gram = :${gram} AND g${i + 1}.is_prefix = 0 AND g${i + 1}.user_id = g0.user_id`);
  return `FROM user_search_gram g0 ${probes.join(' ')}
    JOIN \`user\` u ON u.id = g0.user_id
    WHERE g0.gram = :${grams[0]} AND g0.is_prefix = ${isPrefix}`;
}

// CONTRACT: search order. One query per tier, each an index lookup that stops at `limit` rows.
const TIERS = {
  exact: () => `${SELECT} FROM \`user\` u
    WHERE u.username = :keyword AND u.username LIKE :contains ESCAPE '\\\\' AND ${LISTABLE}`,
  prefix: (anywhere: string[]) => `${SELECT} ${candidates([ 'p0', ...anywhere.slice(1) ], 1)}
    AND u.username LIKE :prefix ESCAPE '\\\\' AND u.username <> :keyword AND ${LISTABLE}
    ORDER BY g0.user_id LIMIT :limit`,
  rest: (anywhere: string[]) => `${SELECT} ${candidates(anywhere, 0)}
    AND u.username LIKE :contains ESCAPE '\\\\' AND u.username NOT LIKE :prefix ESCAPE '\\\\' AND ${LISTABLE}
    ORDER BY g0.user_id LIMIT :limit`,
};

export default class SearchService extends Service {
  /**
   * CONTRACT: POST /api/chat/searchUser. Usernames containing the keyword, case-insensitively
   * (the column's collation); exact match first, then prefix, then the rest, ties by id.
   * Returns the same rows, in the same order, as the plain
   *   WHERE username LIKE '%kw%' AND <listable> ORDER BY username = kw DESC, username LIKE 'kw%' DESC, id
   * without scanning the table (README "Performance"): the exact name through the unique
   * index; prefixes, then the rest, through the gram index walked in id order, every
   * candidate verified with the LIKE itself; a tier runs only while results are missing.
   */
  async users(keyword: string, limit: number, callerId: number): Promise<SearchResult[]> {
    const lookup = gramLookup(keyword);
    if (!lookup) return [];
    const pattern = escapeLike(keyword);
    const replacements: Record<string, string | number> = {
      keyword, callerId, contains: `%${pattern}%`, prefix: `${pattern}%`, p0: lookup.prefix,
    };
    lookup.anywhere.forEach((gram, i) => { replacements[`a${i}`] = gram; });
    const anywhere = lookup.anywhere.map((_, i) => `a${i}`);

    const found: SearchResult[] = [];
    for (const tier of [ TIERS.exact(), TIERS.prefix(anywhere), TIERS.rest(anywhere) ]) {
      const rows = await this.ctx.model.query<SearchResult>(tier, {
        type: QueryTypes.SELECT, replacements: { ...replacements, limit: limit - found.length },
      });
      // Each tier is its own statement: skip a row a concurrent rename moved between tiers.
      found.push(...rows.filter(row => !found.some(seen => seen.id === row.id)));
      if (found.length >= limit) break;
    }
    return found.slice(0, limit);
  }
}
