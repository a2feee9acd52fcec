// The groups tables (CONTRACT-groups §D; docs: architecture "Adding a domain"): chat_group and
// chat_group_user, and the `user` columns groupinfo shows. Every read goes to the primary (a
// client reads back right after writing). The group use cases open the transactions
// (lockingTransaction) and pass them; a use case that changes members locks the group row first.
import type { QueryValues } from 'mysql2';
import type { Sequelize, Transaction } from 'sequelize';
import { GroupRow, MEMBER_STATUS, MemberRow, MembershipRow, MyGroupRow } from '../lib/groups/views';
import { AnyTransaction, pooledExecuteUnion, pooledQuery, pooledQueryUnion, transactionQuery } from '../lib/pooledQuery';
import { TurnBatch } from '../lib/turnBatch';
import { sqlTime } from '../lib/time';
import { BLOCKS } from './friends.sql';
import { change, insert, select } from './statements';

/** A new group: its owner is its first member. */
export interface NewGroup {
  uuid: string;
  user_id: number;
  name: string;
  avatar: string;
  invite_confirm: number;
}

/** A membership to insert with a new group (creator first, then the others in the order given). */
export interface NewMembership {
  user_id: number;
  nickname: string;
  avatar: string;
  invited_by: number | null;
}

/** A membership row to insert: a newcomer (status 1) or an applicant (status 2). */
export interface NewMember {
  user_id: number;
  status: number;
  invited_by: number | null;
  apply_desc: string;
  join_seq: number;
}

/** A friend-list entry create may take: the caller's goodfriend row (`entry_id`) and its friend's names. */
export interface FriendEntry {
  entry_id: number;
  id: number;
  username: string;
  nickname: string | null;
  avatar: string | null;
}

/** A user as a group sees them: the user's columns and, if any, their membership's nickname, avatar and status. */
export interface GroupIdentity {
  id: number;
  uuid: string;
  username: string;
  nickname: string | null;
  avatar: string | null;
  role: string;
  status: number;
  is_deleted: number;
  groupNickname: string | null;
  groupAvatar: string | null;
  member_status: number | null;
}

/** What groupinfo checks first: the group's status, the version of its answer (null: none) and the caller's membership status (null: none). */
export interface InfoState {
  status: number;
  version: string | null;
  member_status: number | null;
}

/** The group texts the owner changes. */
export type GroupField = 'name' | 'remark' | 'avatar';

const GROUP_COLUMNS = 'g.id, g.uuid, g.user_id, g.name, g.avatar, g.remark, g.invite_confirm, g.status, g.`order`, g.create_time';
const MEMBERSHIP_COLUMNS = 'm.id, m.group_id, m.user_id, m.nickname, m.avatar, m.status, m.`order`, m.invited_by, m.apply_desc, m.join_seq, m.create_time';

export const SQL = {
  findGroup: `SELECT ${GROUP_COLUMNS} FROM chat_group g WHERE g.id = :id`,
  // groupinfo: three primary/unique-key probes (group_version is kept by triggers: 20261208000001-group-version.js).
  infoState: 'SELECT g.status, v.version, m.status AS member_status FROM chat_group g ' +
    'LEFT JOIN group_version v ON v.group_id = g.id LEFT JOIN chat_group_user m ON m.group_id = g.id AND m.user_id = :userId WHERE g.id = :groupId',
  lockGroup: `SELECT ${GROUP_COLUMNS} FROM chat_group g WHERE g.id = :id FOR UPDATE`,
  saveNewGroup: 'INSERT INTO chat_group (uuid, user_id, name, avatar, remark, invite_confirm, status, `order`, create_time, update_time) ' +
    'VALUES (:uuid, :user_id, :name, :avatar, \'\', :invite_confirm, 1, 50, :now, :now)',
  // Members only, of live groups, newest group first (idx_chat_group_user_user read backwards).
  listUserGroups: `SELECT ${GROUP_COLUMNS}, m.user_id AS member_user_id, m.nickname AS member_nickname, m.avatar AS member_avatar ` +
    'FROM chat_group_user m JOIN chat_group g ON g.id = m.group_id ' +
    `WHERE m.user_id = :userId AND m.status = ${MEMBER_STATUS} AND g.status = 1 ORDER BY m.group_id DESC LIMIT :offset, :limit`,
  // Join order is membership id order (idx_chat_group_user_group); gone users are left out.
  listMembers: `SELECT ${MEMBERSHIP_COLUMNS}, u.username, u.avatar AS user_avatar, u.nickname AS user_nickname, u.role, u.uuid ` +
    'FROM chat_group_user m JOIN `user` u ON u.id = m.user_id ' +
    `WHERE m.group_id = :groupId AND m.status = ${MEMBER_STATUS} AND u.status = 1 AND u.is_deleted = 0 ORDER BY m.id LIMIT :limit`,
  listMemberIds: `SELECT m.user_id FROM chat_group_user m WHERE m.group_id = :groupId AND m.status = ${MEMBER_STATUS} ORDER BY m.id LIMIT :limit`,
  countOwnedGroups: 'SELECT COUNT(*) AS n FROM chat_group WHERE user_id = :userId',
  countMembers: `SELECT COUNT(*) AS n FROM chat_group_user WHERE group_id = :groupId AND status = ${MEMBER_STATUS}`,
  findMembership: `SELECT ${MEMBERSHIP_COLUMNS} FROM chat_group_user m WHERE m.group_id = :groupId AND m.user_id = :userId`,
  saveGroupField: {
    name: 'UPDATE chat_group SET name = :value, update_time = :now WHERE id = :id',
    remark: 'UPDATE chat_group SET remark = :value, update_time = :now WHERE id = :id',
    avatar: 'UPDATE chat_group SET avatar = :value, update_time = :now WHERE id = :id',
  } as Record<GroupField, string>,
  saveMemberNickname: 'UPDATE chat_group_user SET nickname = :nickname, update_time = :now ' +
    `WHERE group_id = :groupId AND user_id = :userId AND status = ${MEMBER_STATUS}`,
  removeMembership: 'DELETE FROM chat_group_user WHERE group_id = :groupId AND user_id = :userId',
  removeMemberships: 'DELETE FROM chat_group_user WHERE group_id = :id',
  removeGroup: 'DELETE FROM chat_group WHERE id = :id',
  // create: the caller's own goodfriend rows by id (uk range of :me), friend not gone, not blacklisted.
  listFriendEntries: 'SELECT g.id AS entry_id, u.id, u.username, u.nickname, u.avatar FROM goodfriend g JOIN `user` u ON u.id = g.friend_id ' +
    `WHERE g.id IN (:ids) AND g.user_id = :me AND g.isblack = 0 AND u.status = 1 AND u.is_deleted = 0 AND NOT ${BLOCKS(':me', 'g.friend_id')}`,
  listIdentities: 'SELECT u.id, u.uuid, u.username, u.nickname, u.avatar, u.role, u.status, u.is_deleted, ' +
    'm.nickname AS groupNickname, m.avatar AS groupAvatar, m.status AS member_status ' +
    'FROM `user` u LEFT JOIN chat_group_user m ON m.group_id = :groupId AND m.user_id = u.id WHERE u.id IN (:ids)',
  saveMember: 'INSERT INTO chat_group_user (group_id, user_id, nickname, avatar, status, `order`, invited_by, apply_desc, join_seq, create_time, update_time) ' +
    'VALUES (:groupId, :user_id, \'\', \'\', :status, 50, :invited_by, :apply_desc, :join_seq, :now, :now)',
  // The group avatar's sources: the first members in join order, their group avatar and their own.
  listAvatarSources: 'SELECT m.avatar AS groupAvatar, u.avatar FROM chat_group_user m LEFT JOIN `user` u ON u.id = m.user_id ' +
    `WHERE m.group_id = :groupId AND m.status = ${MEMBER_STATUS} ORDER BY m.id LIMIT :limit`,
  saveOwner: 'UPDATE chat_group SET user_id = :userId, update_time = :now WHERE id = :id',
  saveInviteConfirm: 'UPDATE chat_group SET invite_confirm = :value, update_time = :now WHERE id = :id',
  saveGroupStatus: 'UPDATE chat_group SET status = :status, update_time = :now WHERE id = :id',
};

export class GroupRepository {
  // The lookups of one turn of the event loop, one statement each kind (app/lib/turnBatch.ts).
  private readonly infoStates = new TurnBatch<string, InfoState | null>(async keys => {
    const sets = keys.map(key => {
      const [ groupId, userId ] = key.split(':').map(Number);
      return { groupId, userId };
    });
    const answers = await pooledExecuteUnion<InfoState & { version: number | string | null }>(this.sequelize, 'write', SQL.infoState, sets);
    return answers.map(([ row ]) => (row ? { status: Number(row.status), version: row.version === null ? null : String(row.version),
      member_status: row.member_status === null ? null : Number(row.member_status) } : null));
  });

  private readonly userGroupPages = new TurnBatch<string, MyGroupRow[]>(keys => {
    const sets = keys.map(key => {
      const [ userId, offset, limit ] = key.split(':').map(Number);
      return { userId, offset, limit };
    });
    return pooledQueryUnion<MyGroupRow>(this.sequelize, 'write', SQL.listUserGroups, sets, 'id DESC');
  });

  constructor(private readonly sequelize: Sequelize) {}

  /**
   * A read: inside `transaction` through Sequelize; outside one (grouplist, groupinfo, the
   * checks before a transaction), straight on a pooled connection of the primary, text protocol
   * (app/lib/pooledQuery.ts), without Sequelize's per-row cost: a 500-member groupinfo is 500 rows.
   */
  private read<T extends object>(sql: string, values: Record<string, QueryValues>, transaction?: AnyTransaction): Promise<T[]> {
    return transaction ? transactionQuery<T>(transaction, sql, values) : pooledQuery<T>(this.sequelize, 'write', sql, values);
  }

  /** The group row, or null (any status: callers check `status` 1). */
  async findGroup(id: number, transaction?: AnyTransaction): Promise<GroupRow | null> {
    return (await this.read<GroupRow>(SQL.findGroup, { id }, transaction))[0] ?? null;
  }

  /** The group row locked until the transaction ends (joins, approvals, removals, transfer, dismissal), or null. */
  async lockGroup(id: number, transaction: Transaction): Promise<GroupRow | null> {
    return (await select<GroupRow>(this.sequelize, SQL.lockGroup, { id }, transaction))[0] ?? null;
  }

  /**
   * Inserts the group and its memberships (one multi-row insert: `members[0]` is the creator,
   * the others join in the order given, so membership ids are the join order); returns the
   * group's id. Founding members read the group's history from its start (`join_seq` 0).
   */
  async saveNewGroup(group: NewGroup, members: NewMembership[], transaction: Transaction): Promise<number> {
    const now = sqlTime();
    const id = await insert(this.sequelize, SQL.saveNewGroup, { ...group, now }, transaction);
    const replacements: Record<string, unknown> = { id, now };
    const rows = members.map((member, i) => {
      replacements[`u${i}`] = member.user_id;
      replacements[`n${i}`] = member.nickname;
      replacements[`a${i}`] = member.avatar;
      replacements[`i${i}`] = member.invited_by;
      return `(:id, :u${i}, :n${i}, :a${i}, ${MEMBER_STATUS}, 50, :i${i}, '', 0, :now, :now)`;
    });
    await insert(this.sequelize,
      'INSERT INTO chat_group_user (group_id, user_id, nickname, avatar, status, `order`, invited_by, apply_desc, join_seq, create_time, update_time) ' +
      `VALUES ${rows.join(', ')}`, replacements, transaction);
    return id;
  }

  /**
   * grouplist: the user's live groups where the user is a member, newest first, with the user's
   * own membership. The pages asked for in one turn of the event loop are read by one statement;
   * requests for the same page share its rows (read them only).
   */
  listUserGroups(userId: number, offset: number, limit: number): Promise<readonly MyGroupRow[]> {
    return this.userGroupPages.get(`${userId}:${offset}:${limit}`);
  }

  /**
   * groupinfo's first read: the group's status, the version of its answer as stored when the
   * lookup is sent (group_version: every change to what groupinfo answers a member replaces it)
   * and the user's membership status; null when the group does not exist. The lookups of one
   * turn of the event loop share one prepared statement.
   */
  findInfoState(groupId: number, userId: number): Promise<InfoState | null> {
    return this.infoStates.get(`${groupId}:${userId}`);
  }

  /** groupinfo: the members in join order with their user columns, gone users left out, at most `limit`. */
  listMembers(groupId: number, limit: number, transaction?: Transaction): Promise<MemberRow[]> {
    return this.read<MemberRow>(SQL.listMembers, { groupId, limit }, transaction);
  }

  /** The members' user ids in join order (the preview), at most `limit`. */
  async listMemberIds(groupId: number, limit: number, transaction?: Transaction): Promise<number[]> {
    return (await this.read<{ user_id: number }>(SQL.listMemberIds, { groupId, limit }, transaction)).map(row => row.user_id);
  }

  /** The groups the user owns (any status: a banned group still counts against GROUP_MAX_OWNED). */
  async countOwnedGroups(userId: number, transaction?: Transaction): Promise<number> {
    return Number((await select<{ n: number }>(this.sequelize, SQL.countOwnedGroups, { userId }, transaction))[0].n);
  }

  /** The group's members (applicants not counted). */
  async countMembers(groupId: number, transaction?: Transaction): Promise<number> {
    return Number((await select<{ n: number }>(this.sequelize, SQL.countMembers, { groupId }, transaction))[0].n);
  }

  /** The user's membership row in the group (status 1 member, 2 applicant), or null. */
  async findMembership(groupId: number, userId: number, transaction?: Transaction): Promise<MembershipRow | null> {
    return (await this.read<MembershipRow>(SQL.findMembership, { groupId, userId }, transaction))[0] ?? null;
  }

  /** Sets the group's name, remark (announcement) or avatar; resolves to the rows changed (0: no such group). */
  saveGroupField(id: number, field: GroupField, value: string, transaction?: Transaction): Promise<number> {
    return change(this.sequelize, SQL.saveGroupField[field], { id, value, now: sqlTime() }, transaction);
  }

  /** Sets a member's nickname in the group; resolves to the rows changed (0: not a member). */
  saveMemberNickname(groupId: number, userId: number, nickname: string, transaction?: Transaction): Promise<number> {
    return change(this.sequelize, SQL.saveMemberNickname, { groupId, userId, nickname, now: sqlTime() }, transaction);
  }

  /** Removes the user's membership or application; resolves to the rows removed. */
  removeMembership(groupId: number, userId: number, transaction: Transaction): Promise<number> {
    return change(this.sequelize, SQL.removeMembership, { groupId, userId }, transaction);
  }

  /** Dismissal: the group's memberships and applications, then the group row; resolves to the groups removed (0 or 1). */
  async removeGroup(id: number, transaction: Transaction): Promise<number> {
    await change(this.sequelize, SQL.removeMemberships, { id }, transaction);
    return change(this.sequelize, SQL.removeGroup, { id }, transaction);
  }

  /**
   * create: the caller's goodfriend rows among `entryIds` whose friend is not gone and not
   * blacklisted by the caller, with the friend's names (any order; other ids are left out).
   */
  listFriendEntries(me: number, entryIds: number[], transaction?: Transaction): Promise<FriendEntry[]> {
    return select<FriendEntry>(this.sequelize, SQL.listFriendEntries, { me, ids: entryIds }, transaction);
  }

  /** The users that exist among `ids`, with their membership of the group if any (names and avatars in the group). */
  listIdentities(groupId: number, ids: number[], transaction?: Transaction): Promise<GroupIdentity[]> {
    return select<GroupIdentity>(this.sequelize, SQL.listIdentities, { groupId, ids }, transaction);
  }

  /** Inserts a member or an applicant (the unique key refuses a second row of one pair); resolves to its id. */
  saveMember(groupId: number, member: NewMember, transaction: Transaction): Promise<number> {
    return insert(this.sequelize, SQL.saveMember, { groupId, ...member, now: sqlTime() }, transaction);
  }

  /** The first `limit` members in join order: their avatar in the group and their own (null: the user row is gone). */
  listAvatarSources(groupId: number, limit: number, transaction?: Transaction): Promise<Array<{ groupAvatar: string; avatar: string | null }>> {
    return select(this.sequelize, SQL.listAvatarSources, { groupId, limit }, transaction);
  }

  /** Makes `userId` the group's owner; resolves to the rows changed. */
  saveOwner(id: number, userId: number, transaction: Transaction): Promise<number> {
    return change(this.sequelize, SQL.saveOwner, { id, userId, now: sqlTime() }, transaction);
  }

  /** Sets who may join without approval (0, 1, 2); resolves to the rows changed. */
  saveInviteConfirm(id: number, value: number, transaction?: Transaction): Promise<number> {
    return change(this.sequelize, SQL.saveInviteConfirm, { id, value, now: sqlTime() }, transaction);
  }

  /** Sets the group's status (1 live, 2 banned by an operator); resolves to the rows changed. */
  saveGroupStatus(id: number, status: number, transaction: Transaction): Promise<number> {
    return change(this.sequelize, SQL.saveGroupStatus, { id, status, now: sqlTime() }, transaction);
  }

  // Group messages (app/service/groups/messages.ts, CONTRACT-groups §B).

  /**
   * The members (user id, join_seq) in join order, read with a shared lock: the latest committed
   * memberships whatever the transaction read before, and a removal waits for the message being
   * stored (membership decides who gets it). Call under the group conversation's lock.
   */
  lockMembers(groupId: number, transaction: Transaction): Promise<Array<{ user_id: number; join_seq: number }>> {
    return select<{ user_id: number; join_seq: number }>(this.sequelize,
      `SELECT m.user_id, m.join_seq FROM chat_group_user m WHERE m.group_id = :groupId AND m.status = ${MEMBER_STATUS} ORDER BY m.id LOCK IN SHARE MODE`,
      { groupId }, transaction);
  }

  /**
   * The members (user id, join_seq) in join order, a plain (snapshot) read: in a transaction
   * that holds the group conversation's lock (sendmessage's batch, READ COMMITTED), the
   * memberships committed before this read, without locking any membership row.
   */
  listMemberSeqs(groupId: number, transaction: AnyTransaction): Promise<Array<{ user_id: number; join_seq: number }>> {
    return this.read<{ user_id: number; join_seq: number }>(
      `SELECT m.user_id, m.join_seq FROM chat_group_user m WHERE m.group_id = :groupId AND m.status = ${MEMBER_STATUS} ORDER BY m.id`,
      { groupId }, transaction);
  }

  /** A member as the group shows them (name and avatar in the group, uuid), or null when not a member. */
  async findMemberIdentity(groupId: number, userId: number, transaction?: AnyTransaction): Promise<GroupMemberIdentity | null> {
    return (await this.read<GroupMemberIdentity>(
      'SELECT m.user_id, m.join_seq, m.nickname AS groupNickname, m.avatar AS groupAvatar, u.username, u.nickname, u.avatar, u.uuid ' +
      'FROM chat_group_user m JOIN `user` u ON u.id = m.user_id ' +
      `WHERE m.group_id = :groupId AND m.user_id = :userId AND m.status = ${MEMBER_STATUS}`, { groupId, userId }, transaction))[0] ?? null;
  }
}

/** A member with what names them in the group (app/lib/groups/views.ts nameInGroup / avatarInGroup). */
export type GroupMemberIdentity = import('../lib/groups/views').MemberIdentity & {
  user_id: number;
  join_seq: number;
  uuid: string;
};
