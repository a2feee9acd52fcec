// The friends routes' answers, keys in the documented order (README "Friends").
import { formatLocal, isoOrNull } from '../time';
import { FriendItem } from './friendGroups';
import { ProfileField } from './rules';

// Success answers that are texts: fixed by the API (clients may compare them), so not translated.
export const FRIEND_DELETED = '删除好友成功';
export const PROFILE_UPDATED: Record<ProfileField, string> = {
  nickname: '修改昵称成功',
  avatar: '头像更新成功',
  invite_confirm: '设置成功',
};

export interface PairRow {
  id: number;
  user_id: number;
  friend_id: number;
  nickname: string;
  friendlookme: number;
  melookfriend: number;
  ismystarfriend: number;
  isblack: number;
  status: number | string;
}

/** A goodfriend row: my remark (`nickname`) and flags about `friend_id`; `status` 1 normal. */
export function friendRow(row: PairRow) {
  const { id, user_id, friend_id, nickname, friendlookme, melookfriend, ismystarfriend, isblack, status } = row;
  return { id, user_id, friend_id, nickname, friendlookme, melookfriend, ismystarfriend, isblack, status };
}

/** An application: `user_id` applied to `friend_id` with the message `nickname`; `userId` repeats the applicant. */
export function application(row: PairRow) {
  return { ...friendRow(row), userId: row.user_id };
}

export interface InboxRow extends PairRow {
  create_time: Date;
  update_time: Date;
  order: number;
  username: string;
  avatar: string;
  user_nickname: string;
  uuid: string;
}

/** listapplyfriend's item: the application with its times and the applicant. */
export function inboxItem(row: InboxRow, timezone: string) {
  const { id, user_id, friend_id, nickname, friendlookme, melookfriend, ismystarfriend, isblack, status, order } = row;
  return {
    create_time: formatLocal(row.create_time, timezone),
    id, user_id, friend_id, nickname, friendlookme, melookfriend, ismystarfriend, isblack, status, order,
    update_time: isoOrNull(row.update_time),
    userId: user_id,
    user: { id: user_id, username: row.username, avatar: row.avatar, nickname: row.user_nickname, uuid: row.uuid },
  };
}

export interface UserInfoRow {
  info_id: number | null;
  gender: string | null;
  birthday: string | null;
  bio: string | null;
  location: string | null;
  website: string | null;
}

/** The public profile; a user without a user_info row reads as `{id: null, gender: "unknown", ...null}`. */
export function userInfo(row: UserInfoRow) {
  return {
    id: row.info_id,
    gender: row.gender ?? 'unknown',
    birthday: row.birthday,
    bio: row.bio,
    location: row.location,
    website: row.website,
  };
}

export type FriendItemRow = Omit<FriendItem, 'name'>;

/** goodfriendlist's item: `name` is what the list shows, my remark first. */
export function friendItem(row: FriendItemRow): FriendItem {
  const { id, beizhu, username, avatar, friend_nickname, friend_id, uuid } = row;
  return { id, beizhu, username, avatar, friend_nickname, friend_id, name: beizhu || friend_nickname || username, uuid };
}
