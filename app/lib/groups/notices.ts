// The groups domain's notices and QR code texts (CONTRACT-groups §A "Notices", "QR", §F): keys in
// the contract's order, every text written once. Pure: the services pass the rows and the clock.
import { randomUUID } from 'node:crypto';
import { GroupView } from './views';

/** Who a notice is from, as the group shows them (nameInGroup / avatarInGroup), or J's system sender. */
export interface NoticeSender {
  id: number | string;
  name: string;
  avatar: string;
}

/** A notice's recipient side of a single-chat notice (the pending one goes to the owner). */
export interface NoticeRecipient {
  id: number;
  name: string;
  avatar: string;
}

const inviterPart = (inviter: string | null) => (inviter === null ? '' : `[${inviter}]邀请 `);

export const texts = {
  created: (creator: string) => `${creator}创建了一个群，大家可以开始聊天了`,
  renamed: (name: string) => `群名称修改为：${name}`,
  announcement: (remark: string) => `[公告] \n\n ${remark}`,
  /** The joined text: `[{inviter}]邀请 ` only when a user invited. */
  joined: (inviter: string | null, name: string) => `${inviterPart(inviter)}[${name}] 加入了群聊`,
  transferred: (name: string) => `群主已转让给 [${name}]`,
  pending: (inviter: string | null, name: string, group: string) => `请处理申请 ${inviterPart(inviter)}[${name}] 加入了群[${group}]`,
  dismissed: (time: string) => `群主于 ${time} 解散了该群`,
  quit: (name: string, time: string) => `${name}于 ${time} 已退出群聊`,
  removed: '你已被群主移出群聊',
};

/** J: the join notices' sender (`from_name` 加群申请提醒, or 加群处理 for the owner's pending notice). */
export const JOIN_SENDER_NAME = '加群申请提醒';
export const PENDING_SENDER_NAME = '加群处理';

/** J's `from_id` (and the pending notice's `msgidKey`): the group, the applicant, the time in ms. */
export const joinKey = (groupId: number, userId: number, ms: number) => `redirect-applyAddGroup${groupId}-${userId}-${ms}`;

const data = (text: string) => ({ data: text, dataType: false as const, otherData: null });

/**
 * An unstored group notice (dismiss, quit, remove): M to the group, keys
 * `id, from_avatar, from_name, from_id, to_id, to_name, to_avatar, chatType, type, data, options,
 * create_time, isremove, group`, ending at `group` (no `seq`, no `sendUUid`).
 */
export function groupNotice(from: NoticeSender, group: GroupView, text: string, now = Date.now()) {
  return {
    id: randomUUID(),
    from_avatar: from.avatar,
    from_name: from.name,
    from_id: from.id,
    to_id: group.id,
    to_name: group.name,
    to_avatar: group.avatar,
    chatType: 'group' as const,
    type: 'systemNotice' as const,
    data: data(text),
    options: {},
    create_time: now,
    isremove: 0 as const,
    group,
  };
}

export interface PendingApplication {
  group: GroupView;
  owner: NoticeRecipient;
  applicant: { id: number; name: string; uuid: string; avatar: string; role: string };
  /** The inviter's name in the group; null for a self-join. */
  inviter: string | null;
  /** addGroupDesc, trimmed ("" when absent). */
  desc: string;
  avatar: string;
  now?: number;
}

/** The applyAddGroup page's link: every value URI-encoded. */
function applyLink(app: PendingApplication, desc: object): string {
  const values: Array<[ string, string | number ]> = [
    [ 'action', 'applyAddGroup' ], [ 'title', '加群申请' ], [ 'id', app.group.id ], [ 'name', app.group.name ],
    [ 'avatar', app.group.avatar ], [ 'chatType', 'group' ], [ 'applyUserid', app.applicant.id ],
    [ 'applyUsername', app.applicant.name ], [ 'applyUseruuid', app.applicant.uuid ],
    [ 'applyUseravatar', app.applicant.avatar ], [ 'applydesc', JSON.stringify(desc) ],
  ];
  return `/pages/setpageInfo/setpageInfo?${values.map(([ key, value ]) => `${key}=${encodeURIComponent(value)}`).join('&')}`;
}

/**
 * The pending notice to the owner (a request waits for approval): single / text from J
 * (加群处理), `to_*` the owner, then after `group` the `redirect` to the approval page and `msgidKey`.
 */
export function pendingNotice(app: PendingApplication) {
  const now = app.now ?? Date.now();
  const key = joinKey(app.group.id, app.applicant.id, now);
  const desc = {
    addGroupUserType: app.inviter === null ? '用户自主进群' : '邀请进群',
    inviteUser: app.inviter ?? '',
    addGroupTime: now,
    addGroupDesc: app.desc,
    addGroupUserRole: app.applicant.role,
    msgidKey: key,
  };
  return {
    id: randomUUID(),
    from_avatar: app.avatar,
    from_name: PENDING_SENDER_NAME,
    from_id: key,
    to_id: app.owner.id,
    to_name: app.owner.name,
    to_avatar: app.owner.avatar,
    chatType: 'single' as const,
    type: 'text' as const,
    data: data(texts.pending(app.inviter, app.applicant.name, app.group.name)),
    options: {},
    create_time: now,
    isremove: 0 as const,
    group: app.group,
    redirect: { url: applyLink(app, desc), type: 'navigateTo' as const, desc },
    msgidKey: key,
  };
}

// QR codes.

export type QrChatType = 'group' | 'single';

/** What a QR code shows: a group, or a user (single). */
export interface QrSubject {
  chatType: QrChatType;
  id: number;
  name: string;
  /** The user's avatar (single only). */
  avatar: string;
}

/** An H5 `http` the QR code may link to: an absolute http(s) URL, no `#`, ≤ 200 characters, its origin allowed. */
export function isH5Base(http: string, origins: readonly string[]): boolean {
  if ([ ...http ].length > 200 || http.includes('#') || !/^https?:\/\//i.test(http)) return false;
  let url: URL;
  try {
    url = new URL(http);
  } catch {
    return false;
  }
  return origins.length === 0 || origins.includes(url.origin);
}

/**
 * The encoded text: the course's H5 link (`{http}#/pages/setpageInfo/setpageInfo?action=autoAddGroup…`,
 * every value URI-encoded) when `http` is given, else `{"id","name"}` (single adds `"chatType"`).
 */
export function qrText(subject: QrSubject, http: string | null): string {
  if (http === null) {
    return JSON.stringify(subject.chatType === 'group' ? { id: subject.id, name: subject.name } : { id: subject.id, name: subject.name, chatType: 'single' });
  }
  const values: Array<[ string, string | number ]> = subject.chatType === 'group'
    ? [[ 'action', 'autoAddGroup' ], [ 'title', '群介绍' ], [ 'id', subject.id ], [ 'chatType', 'group' ], [ 'name', subject.name ]]
    : [[ 'action', 'autoAddGroup' ], [ 'title', `加用户[${subject.name}]为好友` ], [ 'id', subject.id ], [ 'chatType', 'single' ],
      [ 'name', subject.name ], [ 'avatar', subject.avatar ]];
  return `${http}#/pages/setpageInfo/setpageInfo?${values.map(([ key, value ]) => `${key}=${encodeURIComponent(value)}`).join('&')}`;
}
