// CONTRACT: the user object and the search result, keys in the seed's order.
import { formatLocal, isoOrNull } from '../time';

export interface UserRow {
  id: number;
  uuid: string;
  username: string;
  nickname: string;
  avatar: string;
  mobile: string | null;
  email: string | null;
  status: number;
  last_login: Date | null;
  last_login_ip: string | null;
  register_time: Date;
  register_ip: string | null;
  is_deleted: number;
  wechat_openid: string | null;
  qq_openid: string | null;
  weibo_uid: string | null;
  role: string;
  is_email_verified: number;
  is_mobile_verified: number;
  order: number;
  create_time: Date;
  update_time: Date;
}

export function userObject(user: UserRow, token: string, timezone: string) {
  return {
    create_time: formatLocal(user.create_time, timezone),
    id: user.id,
    uuid: user.uuid,
    username: user.username,
    nickname: user.nickname,
    avatar: user.avatar,
    mobile: user.mobile,
    email: user.email,
    status: user.status,
    last_login: isoOrNull(user.last_login),
    last_login_ip: user.last_login_ip,
    register_time: isoOrNull(user.register_time),
    register_ip: user.register_ip,
    is_deleted: user.is_deleted,
    wechat_openid: user.wechat_openid,
    qq_openid: user.qq_openid,
    weibo_uid: user.weibo_uid,
    role: user.role,
    is_email_verified: user.is_email_verified,
    is_mobile_verified: user.is_mobile_verified,
    order: user.order,
    update_time: isoOrNull(user.update_time),
    token,
  };
}

export type UserObject = ReturnType<typeof userObject>;

export interface DeviceColumns {
  devicefingeruuid: string;
  uniplatform: string;
  devicemodel: string;
  deviceos: string;
  devicebrand: string;
}

/** The visitor routes' answer: the user object with the device columns after `avatar`. */
export function deviceUserObject(user: UserRow & DeviceColumns, token: string, timezone: string) {
  const { create_time, id, uuid, username, nickname, avatar, ...rest } = userObject(user, token, timezone);
  const { devicefingeruuid, uniplatform, devicemodel, deviceos, devicebrand } = user;
  return {
    create_time, id, uuid, username, nickname, avatar, devicefingeruuid, uniplatform, devicemodel, deviceos, devicebrand, ...rest,
  };
}

export type DeviceUserObject = ReturnType<typeof deviceUserObject>;

export const SEARCH_RESULT_FIELDS = [ 'id', 'username', 'avatar', 'role', 'uuid', 'nickname' ] as const;
export type SearchResult = Pick<UserRow, typeof SEARCH_RESULT_FIELDS[number]>;

/** A search row as the contract lists it: exactly SEARCH_RESULT_FIELDS, in that order. */
export function searchResult(row: SearchResult): SearchResult {
  const { id, username, avatar, role, uuid, nickname } = row;
  return { id, username, avatar, role, uuid, nickname };
}
