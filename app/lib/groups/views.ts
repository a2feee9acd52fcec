// The groups routes' answers (CONTRACT-groups §0 "G", §A grouplist / groupinfo), keys in the
// contract's order, and the group's derived texts: its composed name and its avatar. Pure: the
// rows come from app/repository/groups.ts.
import { formatLocal } from '../time';

/** A `chat_group` row. */
export interface GroupRow {
  id: number;
  uuid: string;
  /** The owner. */
  user_id: number;
  name: string;
  avatar: string;
  remark: string | null;
  invite_confirm: number;
  status: number;
  order: number;
  create_time: Date;
}

/** A `chat_group_user` row (status 1 member, 2 applicant). */
export interface MembershipRow {
  id: number;
  group_id: number;
  user_id: number;
  nickname: string;
  avatar: string;
  status: number;
  order: number;
  invited_by: number | null;
  apply_desc: string;
  join_seq: number;
  create_time: Date;
}

/** A member with the user columns groupinfo shows (gone users are left out by the repository). */
export interface MemberRow extends MembershipRow {
  username: string;
  user_avatar: string;
  user_nickname: string;
  role: string;
  uuid: string;
}

/** A group of grouplist with the caller's own membership. */
export interface MyGroupRow extends GroupRow {
  member_user_id: number;
  member_nickname: string;
  member_avatar: string;
}

export const MEMBER_STATUS = 1;
export const APPLICANT_STATUS = 2;

/** At most this many characters in a composed group name (the `chat_group.name` column). */
export const GROUP_NAME_MAX = 50;
/** The group avatar shows this many members' avatars. */
export const AVATAR_MEMBERS = 9;

/** G: the group object, keys `create_time, id, uuid, user_id, name, avatar, remark, invite_confirm, status, order`. */
export function groupView(row: GroupRow, timezone: string) {
  return {
    create_time: formatLocal(row.create_time, timezone),
    id: row.id,
    uuid: row.uuid,
    user_id: row.user_id,
    name: row.name,
    avatar: row.avatar,
    remark: row.remark ?? '',
    invite_confirm: row.invite_confirm,
    status: row.status,
    order: row.order,
  };
}

export type GroupView = ReturnType<typeof groupView>;

/** A grouplist item: G and, in `group_users`, only the caller's own membership. */
export function myGroupView(row: MyGroupRow, timezone: string) {
  return {
    ...groupView(row, timezone),
    group_users: [{ group_id: row.id, user_id: row.member_user_id, nickname: row.member_nickname, avatar: row.member_avatar }],
  };
}

/** A member as groupinfo shows it to members: the membership, `groupId` (= group_id), then the user. */
export function memberView(row: MemberRow, timezone: string) {
  return {
    create_time: formatLocal(row.create_time, timezone),
    id: row.id,
    group_id: row.group_id,
    user_id: row.user_id,
    nickname: row.nickname,
    avatar: row.avatar,
    status: row.status,
    order: row.order,
    groupId: row.group_id,
    user: { id: row.user_id, username: row.username, avatar: row.user_avatar, nickname: row.user_nickname, role: row.role, uuid: row.uuid },
  };
}

/** groupinfo for a member: G and every member in join order. */
export function groupInfoView(group: GroupRow, members: MemberRow[], timezone: string) {
  return { ...groupView(group, timezone), group_users: members.map(member => memberView(member, timezone)) };
}

/** groupinfo for a non-member: G and only the members' user ids. */
export function previewView(group: GroupRow, memberIds: number[], timezone: string) {
  return { ...groupView(group, timezone), group_users: memberIds.map(user_id => ({ user_id })) };
}

/** A user's display name: nickname, else username. */
export interface NamedUser {
  username: string;
  nickname: string | null;
}

export const displayName = (user: NamedUser) => user.nickname || user.username;

/** A new group's name: the members' display names (the creator first) joined by `、`, cut to 50 characters. */
export function composeGroupName(users: NamedUser[]): string {
  return [ ...users.map(displayName).join('、') ].slice(0, GROUP_NAME_MAX).join('');
}

/** The group avatar: the first 9 members' avatars (join order), comma-joined. */
export function composeGroupAvatar(avatarsInJoinOrder: Array<string | null>): string {
  return avatarsInJoinOrder.slice(0, AVATAR_MEMBERS).map(avatar => avatar ?? '').join(',');
}

/** A member as the group sees them: the membership's nickname and avatar, and the user's own. */
export interface MemberIdentity extends NamedUser {
  /** chat_group_user.nickname ("" when unset). */
  groupNickname: string | null;
  /** chat_group_user.avatar ("" when unset). */
  groupAvatar: string | null;
  avatar: string | null;
}

/** X's name in a group (notices, group messages' from_name): group nickname ‖ nickname ‖ username. */
export const nameInGroup = (member: MemberIdentity) => member.groupNickname || displayName(member);

/** X's avatar in a group: group avatar ‖ avatar. */
export const avatarInGroup = (member: MemberIdentity) => member.groupAvatar || member.avatar || '';
