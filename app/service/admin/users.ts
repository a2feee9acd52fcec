import { Service } from 'egg';
import { AuditAction } from '../../lib/admin/roles';
import { ConsoleUserRow, UserFilter } from '../../repository/admin';
import { cursorKey, socketsKey } from '../../lib/messaging/keys';
import { parseSessionInfo, SessionInfo } from '../../lib/account/sessionInfo';

export const USER_PAGE = 50;
/** A name substring's matches the list pages through (the search index's walk stops there). */
const SEARCH_CAP = 1000;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface UserListRow extends ConsoleUserRow {
  online: boolean;
}

/**
 * CONTRACT-admin §4: the console's users pages. Reads here; every change goes through the
 * accounts' own use cases (app/service/account/standing.ts) with the audit entry written inside
 * the change's transaction.
 */
export default class AdminUsersService extends Service {
  /** `q`: an id, a uuid, or a name substring through the search index; a page of 50 plus one (is there a next page). */
  async list(q: string, filter: UserFilter, page: number): Promise<UserListRow[]> {
    const { admin } = this.app.repos;
    let rows: ConsoleUserRow[];
    if (!q) {
      rows = await admin.listUsers(filter, (page - 1) * USER_PAGE, USER_PAGE + 1);
    } else {
      const ids = new Set<number>();
      if (/^\d{1,10}$/.test(q)) ids.add(Number(q));
      if (UUID.test(q)) {
        const id = await admin.findUserIdByUuid(q);
        if (id) ids.add(id);
      }
      for (const id of await this.ctx.service.account.search.accounts(q.slice(0, 50), SEARCH_CAP)) ids.add(id);
      const found = new Map((await admin.listUsersByIds([ ...ids ])).map(row => [ row.id, row ]));
      rows = [ ...ids ].map(id => found.get(id)).filter((row): row is ConsoleUserRow => !!row)
        .filter(row => (filter.status === undefined || row.status === filter.status) && (filter.role === undefined || row.role === filter.role))
        .slice((page - 1) * USER_PAGE, page * USER_PAGE + 1);
    }
    const online = await this.online(rows.map(row => row.id));
    return rows.map(row => ({ ...row, online: online.has(row.id) }));
  }

  /** Users with an open socket on any process (their socket set in Redis). */
  async online(ids: number[]): Promise<Set<number>> {
    if (!ids.length) return new Set();
    // One command per user (their keys live in different Cluster slots); ioredis writes them out together.
    const counts = await Promise.all(ids.map(id => this.app.redis.zcard(socketsKey(id))));
    return new Set(ids.filter((_, i) => counts[i] > 0));
  }

  async detail(id: number) {
    const { repos } = this.app;
    const user = await repos.admin.findUser(id);
    if (!user) return null;
    const { redis } = this.app;
    const [ friends, groups, audit, scored, sockets, cursors, infos ] = await Promise.all([
      repos.admin.countFriends(id),
      repos.groups.listUserGroups(id, 0, 50),
      repos.admin.listAudit({ targetType: 'user', targetId: id }, 0, 20),
      redis.zrange(this.config.im.session.keyPrefix + id, 0, -1, 'WITHSCORES'),
      redis.zrange(socketsKey(id), 0, -1),
      redis.hgetall(cursorKey(id)),
      redis.hgetall(this.ctx.service.session.infoKey(id)),
    ]);
    const online = new Set(sockets.map(entry => entry.split(' ')[0]));
    const sessions: Array<SessionInfo & { sid: string; opened: Date; seen: Date | null; online: boolean }> = [];
    // Scores are when each session opened, in µs (app/lib/sessionScripts.ts); `seen:<sid>` when its device was last seen, in ms.
    for (let i = 0; i + 1 < scored.length; i += 2) {
      const sid = scored[i];
      const seen = cursors[`seen:${sid}`];
      sessions.push({
        sid: `${sid.slice(0, 6)}…`, ...parseSessionInfo(infos[sid]),
        opened: new Date(Number(scored[i + 1]) / 1000), seen: seen ? new Date(Number(seen)) : null, online: online.has(sid),
      });
    }
    return { user, friends, groups, audit, sessions };
  }

  /** Runs one of the accounts' use cases with its audit entry inside its transaction. */
  async act(action: AuditAction, userId: number, run: (within: (t: any) => Promise<void>) => Promise<unknown>, detail?: Record<string, unknown>) {
    const adminId = this.ctx.state.admin.id as number;
    await run(transaction => this.ctx.service.admin.audit.record({ action, adminId, targetType: 'user', targetId: userId, detail }, transaction));
  }
}
