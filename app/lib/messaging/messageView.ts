// CONTRACT: the message object (sendmessage's answer, the `singleChat` frame, catch-up, history)
// and the revoke notice, built from a `message` row. One builder, so every copy is the same.

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
  isremove: number;
  create_time: Date;
  revoke_time: Date | null;
}

/** The keys every object about a message starts with. */
interface MessageHead {
  id: string;
  from_avatar: string;
  from_name: string;
  from_id: number;
  to_id: number;
  to_name: string;
  to_avatar: string;
  chatType: 'single' | 'group';
}

export interface MessageObject extends MessageHead {
  type: string;
  /** A JSON string in user messages (and revoked ones), an object in notices. */
  data: string | Record<string, unknown>;
  options: Record<string, unknown>;
  create_time: number;
  isremove: number;
  sendUUid: string;
  seq: number;
}

export interface RevokeNotice extends MessageHead {
  type: 'systemNotice';
  actionType: 'revoke';
  data: NoticeData;
  options: Record<string, never>;
  create_time: number;
  isremove: 0;
  group: null;
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

/** The head, in the contract's key order. */
const head = (row: MessageRow): MessageHead => ({
  id: String(row.id),
  from_avatar: row.from_avatar,
  from_name: row.from_name,
  from_id: row.from_id,
  to_id: row.to_id,
  to_name: row.to_name,
  to_avatar: row.to_avatar,
  chatType: chatTypeOf(row),
});

export function messageObject(row: MessageRow): MessageObject {
  const notice = row.type === 'systemNotice' && !row.isremove;
  return {
    ...head(row),
    type: row.type,
    data: notice ? JSON.parse(row.data ?? 'null') : row.data ?? '',
    options: row.options ? JSON.parse(row.options) : {},
    create_time: row.create_time.getTime(),
    isremove: row.isremove ? 1 : 0,
    sendUUid: row.send_uuid,
    seq: row.seq,
  };
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
    group: null,
  };
}

/** Frame types: what reaches me, and (new) what I sent from another session. */
export type FrameType = 'singleChat' | 'singleChatSync';

export const frameText = (type: FrameType, data: unknown) => JSON.stringify({ type, data, timestamp: Date.now() });
