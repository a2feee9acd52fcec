// The `conversation` and `message` tables (docs: architecture "Repositories"). Every read uses
// the primary: a client reads back right after writing, and delivery must see committed rows.
import { Sequelize, Transaction } from 'sequelize';
import { BLOCKS } from './friends.sql';
import { MessageRow } from '../lib/messaging/messageView';
import { pooledExecute, pooledQuery } from '../lib/pooledQuery';
import { TurnBatch } from '../lib/turnBatch';
import { sqlTime } from '../lib/time';
import type { Conversation } from '../model/conversation';
import type { Message } from '../model/message';
import { change, insert, select } from './statements';

export interface ConversationRow {
  id: string;
  /** NULL in a group's conversation. */
  user_a: number;
  user_b: number;
  last_seq: number;
  sent_a: number;
  sent_b: number;
}

/** What sending needs to know of a user. */
export interface Party {
  id: number;
  uuid: string;
  username: string;
  nickname: string;
  avatar: string;
  status: number;
  is_deleted: number;
  role: string;
  userset: string;
}

/** One direction of a friendship, as messaging reads it. */
export interface FriendLink {
  user_id: number;
  friend_id: number;
  nickname: string;
  isblack: number;
  status: number;
}

/** Both users of a pair, the friendship between them, who blocks whom and their conversation. */
export interface Parties {
  users: Map<number, Party>;
  links: FriendLink[];
  blockers: Set<number>;
  conversationId: string | null;
}

export type NewMessage = Omit<MessageRow, 'id' | 'isremove' | 'revoke_time'>;

const MESSAGE_COLUMNS = 'id, conversation_id, seq, from_id, to_id, chat_type, type, data, options, from_name, from_avatar, ' +
  'to_name, to_avatar, send_uuid, group_json, from_ref, isremove, create_time, revoke_time';

const CONVERSATION_OF_PAIR = 'SELECT id FROM conversation WHERE user_a = ? AND user_b = ?';
const CONVERSATION_OF_GROUP = 'SELECT id FROM conversation WHERE group_id = ?';
// One range of (conversation_id, seq), backwards, stopping after :limit rows. Left to itself,
// MariaDB takes `ref` on conversation_id alone and walks the conversation from its newest message
// down to :before (5,000 rows read for a page of 50 in the middle of 10,000); the index forced
// and the ORDER BY naming both key parts make it a range that starts at :before.
const HISTORY_PAGE = `SELECT ${MESSAGE_COLUMNS} FROM message FORCE INDEX (idx_message_conversation_seq)
  WHERE conversation_id = :conversationId AND seq < :before AND seq > :after ORDER BY conversation_id DESC, seq DESC LIMIT :limit`;

/** A single chat's pair, lower id first (CONTRACT data model: user_a < user_b). */
export const pairOf = (x: number, y: number): [ number, number ] => (x < y ? [ x, y ] : [ y, x ]);

export class MessageRepository {
  constructor(private readonly sequelize: Sequelize) {}

  private get messages() {
    return this.sequelize.model('Message') as typeof Message;
  }

  protected get conversations() {
    return this.sequelize.model('Conversation') as typeof Conversation;
  }

  /**
   * Both users, both directions of their friendship, which of them blocks the other
   * (`blockers`, user_block) and their conversation's id, in one query (primary key, then
   * unique keys): sendmessage's only read before its transaction.
   */
  async findParties(x: number, y: number): Promise<Parties> {
    const [ lo, hi ] = pairOf(x, y);
    const other = '(CASE WHEN u.id = :lo THEN :hi ELSE :lo END)';
    const rows = await select<Party & { link_nickname: string | null; link_isblack: number | null; link_status: number | null;
      blocks_other: number; conversation: string | null; }>(this.sequelize,
      'SELECT u.id, u.uuid, u.username, u.nickname, u.avatar, u.status, u.is_deleted, u.role, u.userset, ' +
      `g.nickname AS link_nickname, g.isblack AS link_isblack, g.status AS link_status, ${BLOCKS('u.id', other)} AS blocks_other, ` +
      'c.id AS conversation FROM `user` u ' +
      `LEFT JOIN goodfriend g ON g.user_id = u.id AND g.friend_id = ${other} ` +
      'LEFT JOIN conversation c ON c.user_a = :lo AND c.user_b = :hi WHERE u.id IN (:lo, :hi)', { lo, hi });
    const users = new Map<number, Party>();
    const links: FriendLink[] = [];
    const blockers = new Set<number>();
    for (const row of rows) {
      const { link_nickname, link_isblack, link_status } = row;
      if (Number(row.blocks_other)) blockers.add(row.id);
      const user: Party = { id: row.id, uuid: row.uuid, username: row.username, nickname: row.nickname, avatar: row.avatar, status: row.status,
        is_deleted: row.is_deleted, role: row.role, userset: row.userset };
      users.set(user.id, user);
      if (link_status !== null) {
        links.push({ user_id: user.id, friend_id: user.id === lo ? hi : lo, nickname: link_nickname ?? '', isblack: link_isblack ?? 0, status: link_status });
      }
    }
    return { users, links, blockers, conversationId: rows[0]?.conversation ? String(rows[0].conversation) : null };
  }

  /** The pair's conversation id, or null. */
  async findConversationId(x: number, y: number): Promise<string | null> {
    // A hot read (history): prepared on a pooled connection, on the primary (app/lib/pooledQuery.ts).
    const [ row ] = await pooledExecute<{ id: number | string }>(this.sequelize, 'write', CONVERSATION_OF_PAIR, pairOf(x, y));
    return row ? String(row.id) : null;
  }

  /**
   * Creates the pair's conversation if missing, inside the sending transaction (one commit). On
   * a duplicate, ON DUPLICATE KEY UPDATE takes the row's exclusive lock at once (INSERT IGNORE
   * would take a shared one, and concurrent first messages of one pair would deadlock upgrading it).
   */
  async saveConversation(x: number, y: number, transaction: Transaction): Promise<void> {
    const [ a, b ] = pairOf(x, y);
    await insert(this.sequelize, 'INSERT INTO conversation (chat_type, user_a, user_b, last_seq, sent_a, sent_b, create_time, update_time) ' +
      'VALUES (1, :a, :b, 0, 0, 0, :now, :now) ON DUPLICATE KEY UPDATE id = id', { a, b, now: sqlTime() }, transaction);
  }

  /** Locks the pair's conversation (SELECT … FOR UPDATE), the lock that orders its messages; null if there is none. */
  async lockConversation(x: number, y: number, transaction: Transaction): Promise<ConversationRow | null> {
    const [ a, b ] = pairOf(x, y);
    const rows = await select<ConversationRow>(this.sequelize, 'SELECT id, user_a, user_b, last_seq, sent_a, sent_b FROM conversation ' +
      'WHERE user_a = :a AND user_b = :b FOR UPDATE', { a, b }, transaction);
    return rows[0] ? { ...rows[0], id: String(rows[0].id) } : null;
  }

  /** Inserts the conversation's next message and moves the conversation on; returns the row. */
  async saveMessage(conversation: ConversationRow, message: Omit<NewMessage, 'conversation_id' | 'seq'>, transaction: Transaction): Promise<MessageRow> {
    const row: NewMessage = { ...message, conversation_id: conversation.id, seq: conversation.last_seq + 1 };
    const id = await insert(this.sequelize,
      'INSERT INTO message (conversation_id, seq, from_id, to_id, chat_type, type, data, options, from_name, from_avatar, to_name, ' +
      'to_avatar, send_uuid, group_json, from_ref, isremove, create_time) VALUES (:conversation_id, :seq, :from_id, :to_id, :chat_type, ' +
      ':type, :data, :options, :from_name, :from_avatar, :to_name, :to_avatar, :send_uuid, :group_json, :from_ref, 0, :create_time)',
      { ...row, group_json: row.group_json ?? null, from_ref: row.from_ref ?? null, create_time: sqlTime(row.create_time) }, transaction);
    // What the sender sent (the stranger rule's count, single chats): a system notice is not the sender's message.
    const sentColumn = message.from_id === conversation.user_a ? 'sent_a' : 'sent_b';
    const sent = message.type === 'systemNotice' || message.chat_type !== 1 ? '' : `${sentColumn} = ${sentColumn} + 1, `;
    await change(this.sequelize, `UPDATE conversation SET last_seq = :seq, last_message_id = :id, ${sent}update_time = :now WHERE id = :conversation`,
      { seq: row.seq, id, now: sqlTime(message.create_time), conversation: conversation.id }, transaction);
    return { ...row, group_json: row.group_json ?? null, from_ref: row.from_ref ?? null, id: String(id), isremove: 0, revoke_time: null };
  }

  /**
   * Messages by id, committed ones only. An id not visible yet may belong to a transaction that
   * has appended its inbox entry but not committed: a locking read waits for that transaction,
   * then sees the row if it committed. Ids still missing were rolled back. The lookups of one
   * turn of the event loop share one statement (app/lib/turnBatch.ts): a group message read by
   * its members' sockets at once costs one query, not one per member.
   */
  async listMessages(ids: string[]): Promise<Map<string, MessageRow>> {
    const rows = await Promise.all(ids.map(id => this.messageBatch.get(id)));
    return new Map(rows.flatMap((row, i) => (row ? [ [ ids[i], row ] as const ] : [])));
  }

  private readonly messageBatch = new TurnBatch<string, MessageRow | null>(async ids => {
    const found = new Map<string, MessageRow>();
    // A hot read (every delivered frame): a pooled connection, the primary, text protocol.
    for (const row of await pooledQuery<MessageRow>(this.sequelize, 'write', `SELECT ${MESSAGE_COLUMNS} FROM message WHERE id IN (:ids)`, { ids })) {
      found.set(String(row.id), row);
    }
    const missing = ids.filter(id => !found.has(id));
    if (missing.length) {
      // Rare (an entry read before its transaction committed), but on the same path: no Sequelize pipeline either.
      const late = await pooledQuery<MessageRow>(this.sequelize, 'write', `SELECT ${MESSAGE_COLUMNS} FROM message WHERE id IN (:ids) LOCK IN SHARE MODE`, { ids: missing });
      for (const row of late) found.set(String(row.id), row);
    }
    return ids.map(id => found.get(id) ?? null);
  });

  /** One message, or null. */
  async findMessage(id: string, transaction?: Transaction): Promise<MessageRow | null> {
    return await this.messages.findByPk(id, { raw: true, transaction, useMaster: true } as any) as unknown as MessageRow | null;
  }

  /** One message, locked for update inside `transaction`. */
  async lockMessage(id: string, transaction: Transaction): Promise<MessageRow | null> {
    const rows = await select<MessageRow>(this.sequelize, `SELECT ${MESSAGE_COLUMNS} FROM message WHERE id = :id FOR UPDATE`, { id }, transaction);
    return rows[0] ?? null;
  }

  /** Marks a message revoked and erases its content (`data` becomes the revoke text). */
  async saveRevoked(id: string, data: string, at: Date, transaction: Transaction): Promise<void> {
    await change(this.sequelize, 'UPDATE message SET isremove = 1, data = :data, options = NULL, revoke_time = :at WHERE id = :id',
      { id, data, at: sqlTime(at) }, transaction);
  }

  /**
   * A conversation's messages with `after` < `seq` < `before`, newest first: one range of
   * (conversation_id, seq). `after` is a group member's join_seq (0: from the start).
   */
  async listHistory(conversationId: string, before: number, limit: number, after = 0): Promise<MessageRow[]> {
    // A hot read of many rows: on a pooled connection, on the primary, text protocol (app/lib/pooledQuery.ts).
    return pooledQuery<MessageRow>(this.sequelize, 'write', HISTORY_PAGE, { conversationId, before, after, limit });
  }

  // A group's conversation (CONTRACT-groups §B): one row per group (UNIQUE group_id), chat_type 2,
  // no users; its lock orders the group's messages and stored notices as a pair's does.

  /** The group's conversation id, or null (nothing was stored in it yet). */
  async findGroupConversationId(groupId: number): Promise<string | null> {
    // A hot read (group history): prepared on a pooled connection, on the primary (app/lib/pooledQuery.ts).
    const [ row ] = await pooledExecute<{ id: number | string }>(this.sequelize, 'write', CONVERSATION_OF_GROUP, [ groupId ]);
    return row ? String(row.id) : null;
  }

  /** Creates the group's conversation if missing (ON DUPLICATE KEY UPDATE: an exclusive lock at once, as saveConversation). */
  async saveGroupConversation(groupId: number, transaction: Transaction): Promise<void> {
    await insert(this.sequelize, 'INSERT INTO conversation (chat_type, user_a, user_b, group_id, last_seq, sent_a, sent_b, create_time, update_time) ' +
      'VALUES (2, NULL, NULL, :groupId, 0, 0, 0, :now, :now) ON DUPLICATE KEY UPDATE id = id', { groupId, now: sqlTime() }, transaction);
  }

  /** Locks the group's conversation (SELECT … FOR UPDATE); null if there is none. */
  async lockGroupConversation(groupId: number, transaction: Transaction): Promise<ConversationRow | null> {
    const rows = await select<ConversationRow>(this.sequelize, 'SELECT id, user_a, user_b, last_seq, sent_a, sent_b FROM conversation ' +
      'WHERE group_id = :groupId FOR UPDATE', { groupId }, transaction);
    return rows[0] ? { ...rows[0], id: String(rows[0].id) } : null;
  }
}
