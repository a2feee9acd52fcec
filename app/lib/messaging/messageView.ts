// CONTRACT: the message object (sendmessage's answer, the `singleChat` frame, catch-up, history)
// and the revoke notice, built from a `message` row. One builder, so every copy is the same.
// Group rows (chat_type 2, CONTRACT-groups §B, §F) carry `group` = G as stored at send time.

export interface MessageRow {
  id: string | number;
  conversation_id: string | number;
  seq: number;
  from_id: number;
  to_id: number;
  chat_type: number;
  type: string;
  data: string | null;
  options: string | null;
  from_name: string;
  from_avatar: string;
  to_name: string;
  to_avatar: string;
  send_uuid: string;
  /** Group rows: G (the group object, no members) as at send time, JSON; NULL in single chats. */
  group_json?: string | null;
  /** A notice's string `from_id` (the joined notice's `redirect-applyAddGroup…`); NULL: `from_id` is the sender. */
  from_ref?: string | null;
  isremove: number;
  create_time: Date;
  revoke_time: Date | null;
}

/** G as a message carries it (app/lib/groups/views.ts groupView). */
export type GroupObject = Record<string, unknown>;

/** The keys every object about a message starts with. */
interface MessageHead {
  id: string;
  from_avatar: string;
  from_name: string;
  /** The sender's user id; a string in some group notices (CONTRACT-groups §A, J). */
  from_id: number | string;
  to_id: number;
  to_name: string;
  to_avatar: string;
  chatType: 'single' | 'group';
}

/**
 * Single chat: … `isremove, sendUUid, seq`. Group message: … `isremove, group, sendUUid, seq`.
 * Stored group notice: … `isremove, group, seq` (no `sendUUid`, CONTRACT-groups §F).
 */
export interface MessageObject extends MessageHead {
  type: string;
  /** A JSON string in user messages (and revoked ones), an object in notices. */
  data: string | Record<string, unknown>;
  options: Record<string, unknown>;
  create_time: number;
  isremove: number;
  group?: GroupObject;
  sendUUid?: string;
  seq: number;
}

export interface RevokeNotice extends MessageHead {
  type: 'systemNotice';
  actionType: 'revoke';
  data: NoticeData;
  options: Record<string, never>;
  create_time: number;
  isremove: 0;
  /** G in a group (as stored with the message), null in a single chat. */
  group: GroupObject | null;
}

export interface NoticeData {
  data: string;
  dataType: false;
  otherData: null;
}

export const CHAT_TYPES = { 1: 'single', 2: 'group' } as const;

export const noticeData = (text: string): NoticeData => ({ data: text, dataType: false, otherData: null });

/**
 * What a revoked message's `data` becomes, stored in place of its content. Stored text (it is
 * the message now), so it is the same in every language: the course client shows it as is.
 */
export const revokedData = (senderName: string) => JSON.stringify(noticeData(`${senderName}撤回了一条消息`));

const chatTypeOf = (row: MessageRow) => CHAT_TYPES[row.chat_type as 1 | 2] ?? 'single';

export const GROUP_CHAT_TYPE = 2;

/** The stored G of a group row, null for a single chat's. */
const groupOf = (row: MessageRow): GroupObject | null =>
  (row.chat_type === GROUP_CHAT_TYPE && row.group_json ? JSON.parse(row.group_json) as GroupObject : null);

/** The head, in the contract's key order. */
const head = (row: MessageRow): MessageHead => ({
  id: String(row.id),
  from_avatar: row.from_avatar,
  from_name: row.from_name,
  from_id: row.from_ref ?? row.from_id,
  to_id: row.to_id,
  to_name: row.to_name,
  to_avatar: row.to_avatar,
  chatType: chatTypeOf(row),
});

export function messageObject(row: MessageRow): MessageObject {
  const notice = row.type === 'systemNotice' && !row.isremove;
  const body = {
    ...head(row),
    type: row.type,
    data: notice ? JSON.parse(row.data ?? 'null') : row.data ?? '',
    options: row.options ? JSON.parse(row.options) : {},
    create_time: row.create_time.getTime(),
    isremove: row.isremove ? 1 : 0,
  };
  if (row.chat_type !== GROUP_CHAT_TYPE) return { ...body, sendUUid: row.send_uuid, seq: row.seq };
  const group = groupOf(row) ?? {};
  if (row.type === 'systemNotice') return { ...body, group, seq: row.seq };
  return { ...body, group, sendUUid: row.send_uuid, seq: row.seq };
}

/** The notice of a revoked message (its row after the revoke). */
export function revokeNotice(row: MessageRow): RevokeNotice {
  return {
    ...head(row),
    type: 'systemNotice',
    actionType: 'revoke',
    data: JSON.parse(row.data ?? 'null') as NoticeData,
    options: {},
    create_time: (row.revoke_time ?? row.create_time).getTime(),
    isremove: 0,
    group: groupOf(row),
  };
}

/** Frame types: what reaches me, and (new) what I sent from another session. */
export type FrameType = 'singleChat' | 'singleChatSync';

export const frameText = (type: FrameType, data: unknown) => JSON.stringify({ type, data, timestamp: Date.now() });
