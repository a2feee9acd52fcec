import { Service } from 'egg';
import { QueryTypes } from 'sequelize';
import { escapeLike } from '../lib/like';
import { SearchResult } from '../lib/userView';

export default class SearchService extends Service {
  /**
   * CONTRACT: POST /api/chat/searchUser. Usernames containing the keyword, case-insensitively
   * (the column's collation); exact match first, then prefix, then the rest, ties by id.
   */
  async users(keyword: string, limit: number, callerId: number): Promise<SearchResult[]> {
    const pattern = escapeLike(keyword);
    return this.ctx.model.query<SearchResult>(
      `SELECT id, username, avatar, role, uuid, nickname FROM user
       WHERE username LIKE :contains ESCAPE '\\\\'
         AND id <> :callerId AND status = 1 AND is_deleted = 0 AND role <> 'visitor'
       ORDER BY username = :keyword DESC, username LIKE :prefix ESCAPE '\\\\' DESC, id ASC
       LIMIT :limit`,
      {
        type: QueryTypes.SELECT,
        replacements: { contains: `%${pattern}%`, prefix: `${pattern}%`, keyword, callerId, limit },
      },
    );
  }
}
