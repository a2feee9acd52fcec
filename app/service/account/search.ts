import { Service } from 'egg';
import { SearchResult, searchResult } from '../../lib/account/userView';

export default class SearchService extends Service {
  /**
   * CONTRACT: POST /api/chat/searchUser. Usernames containing the keyword, case-insensitively;
   * exact match first, then prefix, then the rest, ties by id, without scanning the table
   * (README "Performance"; the statements: app/repository/search.ts).
   */
  async users(keyword: string, limit: number, callerId: number): Promise<SearchResult[]> {
    return (await this.app.repos.search.listMatches(keyword, limit, callerId)).map(searchResult);
  }

  /** The operator console (CONTRACT-admin §4): every account whose name contains the keyword, gone ones and visitors too, by the same index. */
  async accounts(keyword: string, limit: number): Promise<number[]> {
    return (await this.app.repos.search.listMatches(keyword, limit, 0, 'everyone')).map(row => row.id);
  }
}
