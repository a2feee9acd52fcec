// Helpers of the groups tests: users with sessions, friendships and groups by SQL or the API,
// the routes over a real server, rows by SQL.
import { strict as assert } from 'node:assert';
import { app } from 'egg-mock/bootstrap';
import { QueryTypes } from 'sequelize';
import type { MembershipRow } from '../../../app/lib/groups/views';
import { assertOk } from '../../helpers';
import { befriend, call, user } from '../messaging/support';

export { befriend, connect, device, listen, sleep, user } from '../messaging/support';
export type User = Awaited<ReturnType<typeof user>>;

// CONTRACT-groups: shapes, keys in this order.
export const G_KEYS = [ 'create_time', 'id', 'uuid', 'user_id', 'name', 'avatar', 'remark', 'invite_confirm', 'status', 'order' ];
export const MEMBER_KEYS = [ 'create_time', 'id', 'group_id', 'user_id', 'nickname', 'avatar', 'status', 'order', 'groupId', 'user' ];
export const MEMBER_USER_KEYS = [ 'id', 'username', 'avatar', 'nickname', 'role', 'uuid' ];
export const OWN_MEMBERSHIP_KEYS = [ 'group_id', 'user_id', 'nickname', 'avatar' ];
export const NOTICE_KEYS = [ 'id', 'from_avatar', 'from_name', 'from_id', 'to_id', 'to_name', 'to_avatar', 'chatType', 'type', 'data',
  'options', 'create_time', 'isremove', 'group' ];
export const PENDING_KEYS = [ ...NOTICE_KEYS, 'redirect', 'msgidKey' ];
export const VISITOR_FORBIDDEN = '您没有权限访问，请先注册或登录';
export const NOT_FOUND = '群不存在或被封禁';
export const DEFAULT_NOTICE_AVATAR = 'https://docs-51yrc-com.oss-cn-hangzhou.aliyuncs.com/chat/group.png';

export async function query<T extends object>(sql: string, replacements: Record<string, unknown> = {}): Promise<T[]> {
  return app.model.query<T>(sql, { type: QueryTypes.SELECT, replacements });
}

export async function execute(sql: string, replacements: Record<string, unknown> = {}): Promise<void> {
  await app.model.query(sql, { replacements });
}

/** The routes of one server (`listen()` of the describe block). */
export function routes(server: { base: string }) {
  const post = (path: string, who: User | string, body?: unknown, form = false) =>
    call(server.base, 'POST', `/api/chat/${path}`, typeof who === 'string' ? who : who.token, body ?? {}, form);
  const get = (path: string, who?: User | string) =>
    call(server.base, 'GET', `/api/chat/${path}`, who === undefined ? undefined : typeof who === 'string' ? who : who.token);
  return { post, get };
}

/** The caller's goodfriend row id about `friend` (what create's userIds name). */
export async function entryOf(owner: number, friend: number): Promise<number> {
  const [ row ] = await query<{ id: number }>('SELECT id FROM goodfriend WHERE user_id = :owner AND friend_id = :friend', { owner, friend });
  assert.ok(row, `no goodfriend row ${owner} -> ${friend}`);
  return row.id;
}

/** Users with sessions; the first befriends all the others. */
export async function circle(names: string[], attributes: Array<Record<string, unknown>> = []) {
  const users: User[] = [];
  for (const [ i, name ] of names.entries()) users.push(await user(name, { username: name, ...attributes[i] } as any));
  for (const other of users.slice(1)) await befriend(users[0].id, other.id);
  return users;
}

export interface GroupDbRow {
  id: number;
  uuid: string;
  user_id: number;
  name: string;
  avatar: string;
  remark: string;
  invite_confirm: number;
  status: number;
}

/** A chat_group_user row as stored (SELECT *). */
export type MembershipDbRow = MembershipRow;

export async function groupRow(id: number): Promise<GroupDbRow | undefined> {
  return (await query<GroupDbRow>('SELECT * FROM chat_group WHERE id = :id', { id }))[0];
}

export async function memberships(groupId: number): Promise<MembershipDbRow[]> {
  return query<MembershipDbRow>('SELECT * FROM chat_group_user WHERE group_id = :groupId ORDER BY id', { groupId });
}

/** Creates a group through the API (owner = the first user, friends of all the others); resolves to its id. */
export async function createGroup(server: { base: string }, owner: User, others: User[]): Promise<number> {
  const ids = [];
  for (const other of others) ids.push(await entryOf(owner.id, other.id));
  assertOk(await routes(server).post('group/create', owner, { userIds: ids }));
  const [ row ] = await query<{ id: number }>('SELECT MAX(id) AS id FROM chat_group WHERE user_id = :owner', { owner: owner.id });
  return row.id;
}

/** Adds memberships by SQL (status 1 members by default), ids in the given order. */
export async function addMembers(groupId: number, userIds: number[], status = 1, invitedBy: number | null = null): Promise<void> {
  for (const userId of userIds) {
    await execute('INSERT INTO chat_group_user (group_id, user_id, nickname, avatar, status, `order`, invited_by, apply_desc, join_seq, create_time, update_time) ' +
      'VALUES (:groupId, :userId, \'\', \'\', :status, 50, :invitedBy, \'\', 0, NOW(3), NOW(3))', { groupId, userId, status, invitedBy });
  }
}

export const setInviteConfirm = (groupId: number, value: number) => execute('UPDATE chat_group SET invite_confirm = :value WHERE id = :groupId', { groupId, value });

interface FrameSource {
  of(type?: string): any[];
  until(condition: () => boolean, what: string, ms?: number): Promise<void>;
}

/** The singleChat frames of unstored notices (no `seq`): dismiss, quit, remove, pending. */
export const unstoredOf = (client: FrameSource) => client.of().filter(frame => !('seq' in frame.data));
/** The singleChat frames of stored entries (with `seq`): stored notices and group messages. */
export const storedOf = (client: FrameSource) => client.of().filter(frame => 'seq' in frame.data);

/** Waits for `count` unstored notices; returns them. */
export async function unstored(client: FrameSource, count: number) {
  await client.until(() => unstoredOf(client).length >= count, `${count} unstored notices`);
  return unstoredOf(client);
}

/** Waits for `count` stored entries; returns them. */
export async function stored(client: FrameSource, count: number) {
  await client.until(() => storedOf(client).length >= count, `${count} stored entries`);
  return storedOf(client);
}
