import { Service } from 'egg';
import { QueryTypes } from 'sequelize';
import { escapeLike } from '../lib/like';
import { gramLookup } from '../lib/searchGrams';
import { SearchResult } from '../lib/userView';

const COLUMNS = 'u.id, u.username, u.avatar, u.role, u.uuid, u.nickname';
// CONTRACT: never the caller, disabled, deleted or visitor users.
const LISTABLE = "u.id <> :callerId AND u.status = 1 AND u.is_deleted = 0 AND u.role <> 'visitor'";

/**
 * Users whose ids are in the index under every one of `grams` (named replacements), in id
 * order: the first gram's rows drive, each further gram is a primary-key probe.
 */
function candidates(grams: string[], isPrefix: 0 | 1) {
  const joins = grams.slice(1).map((gram, i) =>
    `JOIN user_search_gram g${i + 1} ON g${i + 1}.gram = :${gram} AND g${i + 1}.is_prefix = 0 AND g${i + 1}.user_id = g0.user_id`);
  return `user_search_gram g0 ${joins.join(' ')} JOIN \`user\` u ON u.id = g0.user_id
        WHERE g0.gram = :${grams[0]} AND g0.is_prefix = ${isPrefix}`;
}

export default class SearchService extends Service {
  /**
   * CONTRACT: POST /api/chat/searchUser. Usernames containing the keyword, case-insensitively
   * (the column's collation); exact match first, then prefix, then the rest, ties by id.
   * The same rows, in the same order, as
   *   WHERE username LIKE '%kw%' AND <listable> ORDER BY username = kw DESC, username LIKE 'kw%' DESC, id
   * but each tier is an index lookup (README "Performance"): the exact name through the unique
   * index, prefixes and the rest through the gram index walked in id order, every candidate
   * verified with the LIKE itself, each tier stopping at `limit` rows.
   */
  async users(keyword: string, limit: number, callerId: number): Promise<SearchResult[]> {
    const lookup = gramLookup(keyword);
    if (!lookup) return [];
    const pattern = escapeLike(keyword);
    const replacements: Record<string, string | number> = {
      keyword, callerId, limit, contains: `%${pattern}%`, prefix: `${pattern}%`, p0: lookup.prefix,
    };
    lookup.anywhere.forEach((gram, i) => { replacements[`a${i}`] = gram; });
    const anywhere = lookup.anywhere.map((_, i) => `a${i}`);

    return this.ctx.model.query<SearchResult>(
      `SELECT id, username, avatar, role, uuid, nickname FROM (
        (SELECT ${COLUMNS}, 0 AS tier FROM \`user\` u
          WHERE u.username = :keyword AND u.username LIKE :contains ESCAPE '\\\\' AND ${LISTABLE})
        UNION ALL
        (SELECT ${COLUMNS}, 1 AS tier FROM ${candidates([ 'p0', ...anywhere.slice(1) ], 1)}
          AND u.username LIKE :prefix ESCAPE '\\\\' AND u.username <> :keyword AND ${LISTABLE}
          ORDER BY g0.user_id LIMIT :limit)
        UNION ALL
        (SELECT ${COLUMNS}, 2 AS tier FROM ${candidates(anywhere, 0)}
          AND u.username LIKE :contains ESCAPE '\\\\' AND u.username NOT LIKE :prefix ESCAPE '\\\\' AND ${LISTABLE}
          ORDER BY g0.user_id LIMIT :limit)
      ) found
      ORDER BY tier, id LIMIT :limit`,
      { type: QueryTypes.SELECT, replacements },
    );
  }
}
