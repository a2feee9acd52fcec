import { Service } from 'egg';
import { QueryTypes, Transaction } from 'sequelize';
import { BLOCKS } from '../../lib/friends/queries';
import { MessageRow } from '../../lib/messaging/messageView';

export interface ConversationRow {
  id: string;
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

export type NewMessage = Omit<MessageRow, 'id' | 'isremove' | 'revoke_time'>;

const MESSAGE_COLUMNS = 'id, conversation_id, seq, from_id, to_id, chat_type, type, data, options, from_name, from_avatar, ' +
  'to_name, to_avatar, send_uuid, isremove, create_time, revoke_time';

/** A DATETIME(3) value (UTC, milliseconds kept): a raw replacement of a Date would drop them. */
export const sqlTime = (date: Date) => date.toISOString().slice(0, 23).replace('T', ' ');

/** A single chat's pair, lower id first (CONTRACT data model: user_a < user_b). */
export const pairOf = (x: number, y: number): [ number, number ] => (x < y ? [ x, y ] : [ y, x ]);

/**
 * The store (README "Messaging"): MySQL `conversation` and `message`. Every read here uses the
 * primary: a client reads back right after writing, and delivery must see committed rows.
 */
export default class StoreService extends Service {
  private select<T extends object>(sql: string, replacements: Record<string, unknown>, transaction?: Transaction) {
    return this.ctx.model.query<T>(sql, { type: QueryTypes.SELECT, replacements, transaction, useMaster: true });
  }

  /**
   * Both users, both directions of their friendship, which of them blocks the other
   * (`blockers`, user_block) and their conversation's id, in one query (primary key, then
   * unique keys): sendmessage's only read before its transaction.
   */
  async parties(x: number, y: number): Promise<{ users: Map<number, Party>; links: FriendLink[]; blockers: Set<number>; conversationId: string | null }> {
    const [ lo, hi ] = pairOf(x, y);
    const other = '(CASE WHEN u.id = :lo THEN :hi ELSE :lo END)';
    const rows = await this.select<Party & { link_nickname: string | null; link_isblack: number | null; link_status: number | null;
      blocks_other: number; conversation: string | null; }>(
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

  async conversationId(x: number, y: number): Promise<string | null> {
    const [ a, b ] = pairOf(x, y);
    const rows = await this.select<{ id: string }>('SELECT id FROM conversation WHERE user_a = :a AND user_b = :b', { a, b });
    return rows[0] ? String(rows[0].id) : null;
  }

  /**
   * Creates the pair's conversation if missing, inside the sending transaction (one commit). On
   * a duplicate, ON DUPLICATE KEY UPDATE takes the row's exclusive lock at once (INSERT IGNORE
   * would take a shared one, and concurrent first messages of one pair would deadlock upgrading it).
   */
  async ensureConversation(x: number, y: number, transaction: Transaction): Promise<void> {
    const [ a, b ] = pairOf(x, y);
    await this.ctx.model.query('INSERT INTO conversation (chat_type, user_a, user_b, last_seq, sent_a, sent_b, create_time, update_time) ' +
      'VALUES (1, :a, :b, 0, 0, 0, :now, :now) ON DUPLICATE KEY UPDATE id = id',
    { replacements: { a, b, now: sqlTime(new Date()) }, transaction, useMaster: true } as any);
  }

  /** Locks the pair's conversation (SELECT … FOR UPDATE), the lock that orders its messages; null if there is none. */
  async lockConversation(x: number, y: number, transaction: Transaction): Promise<ConversationRow | null> {
    const [ a, b ] = pairOf(x, y);
    const rows = await this.select<ConversationRow>('SELECT id, user_a, user_b, last_seq, sent_a, sent_b FROM conversation ' +
      'WHERE user_a = :a AND user_b = :b FOR UPDATE', { a, b }, transaction);
    return rows[0] ? { ...rows[0], id: String(rows[0].id) } : null;
  }

  /** Inserts the conversation's next message and moves the conversation on; returns the row. */
  async insertMessage(conversation: ConversationRow, message: Omit<NewMessage, 'conversation_id' | 'seq'>, transaction: Transaction): Promise<MessageRow> {
    const row: NewMessage = { ...message, conversation_id: conversation.id, seq: conversation.last_seq + 1 };
    const [ id ] = await this.ctx.model.query(
      'INSERT INTO message (conversation_id, seq, from_id, to_id, chat_type, type, data, options, from_name, from_avatar, to_name, ' +
      'to_avatar, send_uuid, isremove, create_time) VALUES (:conversation_id, :seq, :from_id, :to_id, :chat_type, :type, :data, ' +
      ':options, :from_name, :from_avatar, :to_name, :to_avatar, :send_uuid, 0, :create_time)',
      { type: QueryTypes.INSERT, replacements: { ...row, create_time: sqlTime(row.create_time) }, transaction });
    // What the sender sent (the stranger rule's count): a system notice is not the sender's message.
    const sentColumn = message.from_id === conversation.user_a ? 'sent_a' : 'sent_b';
    const sent = message.type === 'systemNotice' ? '' : `${sentColumn} = ${sentColumn} + 1, `;
    await this.ctx.model.query(`UPDATE conversation SET last_seq = :seq, last_message_id = :id, ${sent}` +
      'update_time = :now WHERE id = :conversation', {
      type: QueryTypes.UPDATE, replacements: { seq: row.seq, id, now: sqlTime(message.create_time), conversation: conversation.id }, transaction,
    });
    return { ...row, id: String(id), isremove: 0, revoke_time: null };
  }

  /**
   * Messages by id, committed ones only. An id not visible yet may belong to a transaction that
   * has appended its inbox entry but not committed: a locking read waits for that transaction,
   * then sees the row if it committed. Ids still missing were rolled back.
   */
  async messagesByIds(ids: string[]): Promise<Map<string, MessageRow>> {
    const found = new Map<string, MessageRow>();
    if (!ids.length) return found;
    const rows = await this.select<MessageRow>(`SELECT ${MESSAGE_COLUMNS} FROM message WHERE id IN (:ids)`, { ids });
    for (const row of rows) found.set(String(row.id), row);
    const missing = ids.filter(id => !found.has(id));
    if (missing.length) {
      const late = await this.select<MessageRow>(`SELECT ${MESSAGE_COLUMNS} FROM message WHERE id IN (:ids) LOCK IN SHARE MODE`, { ids: missing });
      for (const row of late) found.set(String(row.id), row);
    }
    return found;
  }

  /** One message, optionally locked for update. */
  async message(id: string, transaction?: Transaction, lock = false): Promise<MessageRow | null> {
    const rows = await this.select<MessageRow>(`SELECT ${MESSAGE_COLUMNS} FROM message WHERE id = :id${lock ? ' FOR UPDATE' : ''}`, { id }, transaction);
    return rows[0] ?? null;
  }

  /** Marks a message revoked and erases its content (`data` becomes the revoke text). */
  async revoke(id: string, data: string, at: Date, transaction: Transaction): Promise<void> {
    await this.ctx.model.query('UPDATE message SET isremove = 1, data = :data, options = NULL, revoke_time = :at WHERE id = :id',
      { type: QueryTypes.UPDATE, replacements: { id, data, at: sqlTime(at) }, transaction });
  }

  /** A conversation's messages with `seq` < `before`, newest first: one range of (conversation_id, seq). */
  async history(conversationId: string, before: number, limit: number): Promise<MessageRow[]> {
    return this.select<MessageRow>(`SELECT ${MESSAGE_COLUMNS} FROM message WHERE conversation_id = :conversationId AND seq < :before ` +
      'ORDER BY seq DESC LIMIT :limit', { conversationId, before, limit });
  }
}
