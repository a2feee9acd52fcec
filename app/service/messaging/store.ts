import { Service } from 'egg';
import { QueryTypes, Transaction } from 'sequelize';
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

  /** Both users, and both directions of their friendship, by primary and unique keys. */
  async parties(senderId: number, recipientId: number): Promise<{ users: Map<number, Party>; links: FriendLink[] }> {
    const [ users, links ] = await Promise.all([
      this.select<Party>('SELECT id, uuid, username, nickname, avatar, status, is_deleted, role, userset FROM `user` WHERE id IN (:ids)',
        { ids: [ senderId, recipientId ] }),
      this.select<FriendLink>('SELECT user_id, friend_id, nickname, isblack, status FROM goodfriend ' +
        'WHERE (user_id = :a AND friend_id = :b) OR (user_id = :b AND friend_id = :a)', { a: senderId, b: recipientId }),
    ]);
    return { users: new Map(users.map(user => [ user.id, user ])), links };
  }

  async conversationId(x: number, y: number): Promise<string | null> {
    const [ a, b ] = pairOf(x, y);
    const rows = await this.select<{ id: string }>('SELECT id FROM conversation WHERE user_a = :a AND user_b = :b', { a, b });
    return rows[0] ? String(rows[0].id) : null;
  }

  /**
   * Creates the pair's conversation if missing, in its own statement: creating it inside the
   * sending transaction would let concurrent first messages deadlock on the unique key.
   */
  async ensureConversation(x: number, y: number): Promise<void> {
    const [ a, b ] = pairOf(x, y);
    await this.ctx.model.query('INSERT IGNORE INTO conversation (chat_type, user_a, user_b, last_seq, sent_a, sent_b, create_time, update_time) ' +
      'VALUES (1, :a, :b, 0, 0, 0, :now, :now)', { replacements: { a, b, now: sqlTime(new Date()) }, useMaster: true } as any);
  }

  /** Locks the pair's conversation (SELECT … FOR UPDATE): the lock that orders its messages. */
  async lockConversation(x: number, y: number, transaction: Transaction): Promise<ConversationRow> {
    const [ a, b ] = pairOf(x, y);
    const rows = await this.select<ConversationRow>('SELECT id, user_a, user_b, last_seq, sent_a, sent_b FROM conversation ' +
      'WHERE user_a = :a AND user_b = :b FOR UPDATE', { a, b }, transaction);
    if (!rows[0]) throw new Error('conversation missing after ensureConversation');
    return { ...rows[0], id: String(rows[0].id) };
  }

  /** Inserts the conversation's next message and moves the conversation on; returns the row. */
  async insertMessage(conversation: ConversationRow, message: Omit<NewMessage, 'conversation_id' | 'seq'>, transaction: Transaction): Promise<MessageRow> {
    const row: NewMessage = { ...message, conversation_id: conversation.id, seq: conversation.last_seq + 1 };
    const [ id ] = await this.ctx.model.query(
      'INSERT INTO message (conversation_id, seq, from_id, to_id, chat_type, type, data, options, from_name, from_avatar, to_name, ' +
      'to_avatar, send_uuid, isremove, create_time) VALUES (:conversation_id, :seq, :from_id, :to_id, :chat_type, :type, :data, ' +
      ':options, :from_name, :from_avatar, :to_name, :to_avatar, :send_uuid, 0, :create_time)',
      { type: QueryTypes.INSERT, replacements: { ...row, create_time: sqlTime(row.create_time) }, transaction });
    const sentColumn = message.from_id === conversation.user_a ? 'sent_a' : 'sent_b';
    await this.ctx.model.query(`UPDATE conversation SET last_seq = :seq, last_message_id = :id, ${sentColumn} = ${sentColumn} + 1, ` +
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
