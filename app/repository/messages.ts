// The `conversation` and `message` tables (docs: architecture "Repositories"). Every read uses
// the primary: a client reads back right after writing, and delivery must see committed rows.
import type { ExecuteValues, ResultSetHeader } from 'mysql2';
import { Sequelize, Transaction } from 'sequelize';
import { BLOCKS } from './friends.sql';
import { MessageRow } from '../lib/messaging/messageView';
import { AnyTransaction, pooledExecute, pooledQuery, pooledQueryUnion, transactionExecute, transactionQuery } from '../lib/pooledQuery';
import { TurnBatch } from '../lib/turnBatch';
import { sqlTime } from '../lib/time';
import type { Conversation } from '../model/conversation';
import type { Message } from '../model/message';
import { change, select } from './statements';

export interface ConversationRow {
  id: string;
  /** NULL in a group's conversation. */
  user_a: number;
  user_b: number;
  /** The group's id in a group's conversation, else NULL. */
  group_id: number | null;
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

// findParties: both users (primary key), both directions of their friendship, the blocks and the pair's conversation (unique keys).
const PARTY_OTHER = '(CASE WHEN u.id = :lo THEN :hi ELSE :lo END)';
const FIND_PARTIES = 'SELECT u.id, u.uuid, u.username, u.nickname, u.avatar, u.status, u.is_deleted, u.role, u.userset, ' +
  `g.nickname AS link_nickname, g.isblack AS link_isblack, g.status AS link_status, ${BLOCKS('u.id', PARTY_OTHER)} AS blocks_other, ` +
  'c.id AS conversation FROM `user` u ' +
  `LEFT JOIN goodfriend g ON g.user_id = u.id AND g.friend_id = ${PARTY_OTHER} ` +
  'LEFT JOIN conversation c ON c.user_a = :lo AND c.user_b = :hi WHERE u.id IN (:lo, :hi)';
type PartyRow = Party & { link_nickname: string | null; link_isblack: number | null; link_status: number | null; blocks_other: number;
  conversation: string | null };
// A digest of every column a message's object is built from (messageView.ts messageObject), of
// the message `m`: QUOTE() makes each text distinct from NULL and from the separators, so equal
// digests mean equal objects (MD5 as a fingerprint, not for security). A revoke changes
// `isremove` and `data`, so the history page read after it carries another digest, and its
// object is built again.
const MESSAGE_DIGEST = "MD5(CONCAT_WS(',', m.id, m.seq, m.from_id, m.to_id, m.chat_type, m.isremove, m.create_time, QUOTE(m.type), " +
  'QUOTE(m.data), QUOTE(m.options), QUOTE(m.from_name), QUOTE(m.from_avatar), QUOTE(m.to_name), QUOTE(m.to_avatar), QUOTE(m.send_uuid), ' +
  'QUOTE(m.group_json), QUOTE(m.from_ref)))';
// A history page: the conversation found by its unique key (`owner`), a `const` table to MariaDB,
// so its id is a constant when the plan is made; then one range of (conversation_id, seq),
// backwards, stopping after :limit rows. Left to itself, MariaDB takes `ref` on conversation_id
// alone and walks the conversation from its newest message down to :before (5,000 rows read for
// a page of 50 in the middle of 10,000); the index forced and the ORDER BY naming both key parts
// make it a range that starts at :before. Each message as its id and digest (`keys`), or as its
// row with its digest (`rows`, for a conversation whose messages this process mostly does not
// keep yet): the objects are kept serialized per process (app/lib/messaging/messageJson.ts). No
// conversation: no rows.
const historyPage = (columns: string, owner: string) => `SELECT ${columns}, ${MESSAGE_DIGEST} AS digest FROM conversation c
  STRAIGHT_JOIN message m FORCE INDEX (idx_message_conversation_seq) ON m.conversation_id = c.id
  WHERE ${owner} AND m.seq < :before AND m.seq > :after ORDER BY m.conversation_id DESC, m.seq DESC LIMIT :limit`;
const OWNERS = { pair: 'c.user_a = :userA AND c.user_b = :userB', group: 'c.group_id = :groupId' };
const MESSAGE_COLUMNS_OF_M = MESSAGE_COLUMNS.split(', ').map(column => `m.${column}`).join(', ');
const HISTORY_PAGES = {
  keys: { pair: historyPage('m.id, m.seq', OWNERS.pair), group: historyPage('m.id, m.seq', OWNERS.group) },
  rows: { pair: historyPage(MESSAGE_COLUMNS_OF_M, OWNERS.pair), group: historyPage(MESSAGE_COLUMNS_OF_M, OWNERS.group) },
};
// The history statements by the prefix of their batch keys (`keys|rows:pair|group:`).
const HISTORY_STATEMENTS = Object.entries(HISTORY_PAGES).flatMap(([ shape, byOwner ]) =>
  Object.entries(byOwner).map(([ kind, sql ]) => ({ prefix: `${shape}:${kind}:`, kind, sql })));
const DIGESTED_MESSAGES = `SELECT ${MESSAGE_COLUMNS}, ${MESSAGE_DIGEST} AS digest FROM message m WHERE id IN (:ids)`;

/** Whose history: a single chat's pair (either order), or a group's. */
export type HistoryOwner = { pair: [ number, number ] } | { group: number };

/** A message of a history page as its id and the digest of its content (HISTORY_PAGES). */
export interface MessageKey {
  id: string;
  digest: string;
}

/** A single chat's pair, lower id first (CONTRACT data model: user_a < user_b). */
export const pairOf = (x: number, y: number): [ number, number ] => (x < y ? [ x, y ] : [ y, x ]);

/** The owner as a string: `pair:userA:userB` (lower id first) or `group:groupId`. */
export const historyOwnerKey = (owner: HistoryOwner) => ('pair' in owner ? `pair:${pairOf(...owner.pair).join(':')}` : `group:${owner.group}`);

const LOCK_CONVERSATION = 'SELECT id, user_a, user_b, group_id, last_seq, sent_a, sent_b FROM conversation';
const cases = (n: number) => `CASE id${' WHEN ? THEN ?'.repeat(n)} END`;
/** One UPDATE moving `n` conversations on (prepared once per connection and count). */
const moveConversations = (n: number) => `UPDATE conversation SET last_seq = ${cases(n)}, last_message_id = ${cases(n)}, sent_a = ${cases(n)}, ` +
  `sent_b = ${cases(n)}, update_time = ? WHERE id IN (${new Array(n).fill('?').join(', ')})`;
// The conversations of a batch of sends, locked in one statement each for pairs and groups, in
// the order of their unique key: a range scan of the unique index takes the row locks in index
// order, so every transaction that locks several conversations locks them in one global order
// (pairs by (user_a, user_b), then groups by group_id) and none waits for another in a cycle.
// Prepared once per connection and count (batches are bounded).
const lockPairs = (n: number) => `${LOCK_CONVERSATION} FORCE INDEX (uk_conversation_pair) WHERE ` +
  `${new Array(n).fill('(user_a = ? AND user_b = ?)').join(' OR ')} ORDER BY user_a, user_b FOR UPDATE`;
const lockGroups = (n: number) => `${LOCK_CONVERSATION} FORCE INDEX (uk_conversation_group) ` +
  `WHERE group_id IN (${new Array(n).fill('?').join(', ')}) ORDER BY group_id FOR UPDATE`;
/** Pairs as stored (user_a < user_b), each once, in key order. */
const sortedPairs = (pairs: Array<[ number, number ]>): Array<[ number, number ]> =>
  [ ...new Map(pairs.map(([ x, y ]) => pairOf(x, y)).map(pair => [ pair.join(':'), pair ])).values() ].sort(([ a1, b1 ], [ a2, b2 ]) => a1 - a2 || b1 - b2);
const INSERT_CONVERSATION = 'INSERT INTO conversation (chat_type, user_a, user_b, last_seq, sent_a, sent_b, create_time, update_time) VALUES ';
const INSERT_COLUMNS = 'conversation_id, seq, from_id, to_id, chat_type, type, data, options, from_name, from_avatar, to_name, to_avatar, ' +
  'send_uuid, group_json, from_ref, create_time';
const INSERT_ROW = `(${new Array(16).fill('?').join(', ')}, 0)`;

/** The INSERT of `n` messages (prepared once per connection and row count; batches are bounded). */
const insertMessages = (n: number) => `INSERT INTO message (${INSERT_COLUMNS}, isremove) VALUES ${new Array(n).fill(INSERT_ROW).join(', ')}`;

const conversationRow = (row: ConversationRow): ConversationRow => ({
  id: String(row.id), user_a: row.user_a, user_b: row.user_b, group_id: row.group_id ?? null, last_seq: Number(row.last_seq),
  sent_a: Number(row.sent_a), sent_b: Number(row.sent_b),
});

/**
 * The conversation's next message (locked `conversation`): the next seq; moves `conversation`
 * on in memory (last_seq and, for a single chat's message that is not a systemNotice, the
 * sender's count: the stranger rule's), as saveMessages() then stores it.
 */
export function nextMessage(conversation: ConversationRow, message: Omit<NewMessage, 'conversation_id' | 'seq'>): NewMessage {
  conversation.last_seq += 1;
  if (message.type !== 'systemNotice' && message.chat_type === 1) {
    if (message.from_id === conversation.user_a) conversation.sent_a += 1;
    else conversation.sent_b += 1;
  }
  return { ...message, conversation_id: conversation.id, seq: conversation.last_seq };
}

export class MessageRepository {
  private autoincStep?: Promise<number>;

  /** findParties' rows of the pairs asked for in one turn, in one statement (a lone pair: the plain statement). */
  private readonly partyRows = new TurnBatch<string, PartyRow[]>(keys => pooledQueryUnion<PartyRow>(this.sequelize, 'write', FIND_PARTIES,
    keys.map(key => {
      const [ lo, hi ] = key.split(':').map(Number);
      return { lo, hi };
    }), 'id'));

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
   * unique keys): sendmessage's only read before its transaction, on the pooled connection;
   * a notice stored inside another use case's transaction reads on that transaction's connection.
   */
  async findParties(x: number, y: number, transaction?: AnyTransaction): Promise<Parties> {
    const [ lo, hi ] = pairOf(x, y);
    // Inside a transaction, on its connection: a second pooled connection taken while the
    // transaction holds one can wait for ever once every connection of the pool is held that way
    // (docs/performance.md, the apply+agree cycle's regression of 2026-12-07).
    const rows = transaction ? await transactionQuery<PartyRow>(transaction, FIND_PARTIES, { lo, hi }) : await this.partyRows.get(`${lo}:${hi}`);
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

  /**
   * Creates the pair's conversation if missing, inside `transaction` (one commit). On a
   * duplicate, ON DUPLICATE KEY UPDATE takes the row's exclusive lock at once (INSERT IGNORE
   * would take a shared one, and concurrent first messages of one pair would deadlock upgrading it).
   */
  async saveConversation(x: number, y: number, transaction: AnyTransaction): Promise<void> {
    await this.saveConversations([[ x, y ]], transaction);
  }

  /**
   * Creates the pairs' conversations that are missing, in key order, in one statement: inside
   * `transaction` (each row then locked by it, see saveConversation), or without one (the
   * batched send, before its transaction: the statement commits at once and its locks go with
   * it, so the batch then locks every conversation in the one order of lockPairConversations).
   */
  async saveConversations(pairs: Array<[ number, number ]>, transaction?: AnyTransaction): Promise<void> {
    const sorted = sortedPairs(pairs);
    if (!sorted.length) return;
    const now = sqlTime();
    const sql = `${INSERT_CONVERSATION}${sorted.map(() => '(1, ?, ?, 0, 0, 0, ?, ?)').join(', ')} ON DUPLICATE KEY UPDATE id = id`;
    const values = sorted.flatMap(([ a, b ]) => [ a, b, now, now ]);
    if (transaction) await transactionExecute(transaction, sql, values);
    else await pooledExecute(this.sequelize, 'write', sql, values);
  }

  /** Locks the pair's conversation (SELECT … FOR UPDATE), the lock that orders its messages; null if there is none. */
  async lockConversation(x: number, y: number, transaction: AnyTransaction): Promise<ConversationRow | null> {
    const [ a, b ] = pairOf(x, y);
    const rows = await transactionExecute<ConversationRow[]>(transaction, `${LOCK_CONVERSATION} WHERE user_a = ? AND user_b = ? FOR UPDATE`, [ a, b ]);
    return rows[0] ? conversationRow(rows[0]) : null;
  }

  /**
   * Locks the pairs' conversations in (user_a, user_b) order, one statement (the batched send);
   * returns those that exist. Under READ COMMITTED a missing pair takes no gap lock.
   */
  async lockPairConversations(pairs: Array<[ number, number ]>, transaction: AnyTransaction): Promise<ConversationRow[]> {
    const sorted = sortedPairs(pairs);
    if (!sorted.length) return [];
    return (await transactionExecute<ConversationRow[]>(transaction, lockPairs(sorted.length), sorted.flat())).map(conversationRow);
  }

  /** Locks the groups' conversations in group_id order, one statement (the batched send, after its pairs); returns those that exist. */
  async lockGroupConversations(groupIds: number[], transaction: AnyTransaction): Promise<ConversationRow[]> {
    const sorted = [ ...new Set(groupIds) ].sort((x, y) => x - y);
    if (!sorted.length) return [];
    return (await transactionExecute<ConversationRow[]>(transaction, lockGroups(sorted.length), sorted)).map(conversationRow);
  }

  /** Inserts the conversation's next message and moves the conversation on (saveMessages with one); returns the row. */
  async saveMessage(conversation: ConversationRow, message: Omit<NewMessage, 'conversation_id' | 'seq'>, transaction: AnyTransaction): Promise<MessageRow> {
    return (await this.saveMessages([ nextMessage(conversation, message) ], [ conversation ], transaction))[0];
  }

  /**
   * The one write of messages (a batch of sends, or one): `rows` made by nextMessage() under the
   * locks of `conversations`, in one multi-row INSERT; then each conversation as nextMessage()
   * moved it on (last_seq, last_message_id, the senders' counts). Returns the rows with their ids.
   */
  async saveMessages(rows: NewMessage[], conversations: ConversationRow[], transaction: AnyTransaction): Promise<MessageRow[]> {
    const values: ExecuteValues[] = [];
    for (const row of rows) {
      values.push(row.conversation_id, row.seq, row.from_id, row.to_id, row.chat_type, row.type, row.data, row.options ?? null, row.from_name,
        row.from_avatar, row.to_name, row.to_avatar, row.send_uuid, row.group_json ?? null, row.from_ref ?? null, sqlTime(row.create_time));
    }
    const header = await transactionExecute<ResultSetHeader>(transaction, insertMessages(rows.length), values);
    const ids = await this.insertedIds(header.insertId, rows, transaction);
    const saved = rows.map((row, i): MessageRow => ({
      ...row, options: row.options ?? null, group_json: row.group_json ?? null, from_ref: row.from_ref ?? null, id: ids[i], isremove: 0, revoke_time: null,
    }));
    const moved = conversations.map(conversation => ({ conversation, last: saved.filter(row => row.conversation_id === conversation.id).pop()! }))
      .filter(({ last }) => last);
    if (moved.length) {
      const pairs = (value: (m: typeof moved[number]) => ExecuteValues) => moved.flatMap(m => [ m.conversation.id, value(m) ]);
      await transactionExecute(transaction, moveConversations(moved.length), [
        ...pairs(m => m.conversation.last_seq), ...pairs(m => m.last.id), ...pairs(m => m.conversation.sent_a), ...pairs(m => m.conversation.sent_b),
        sqlTime(moved[moved.length - 1].last.create_time), ...moved.map(m => m.conversation.id),
      ]);
    }
    return saved;
  }

  /**
   * The ids of a multi-row INSERT: consecutive from the first (insertId) when InnoDB hands a
   * simple multi-row insert one block (innodb_autoinc_lock_mode 0 or 1, the step
   * auto_increment_increment); with interleaved locks (mode 2) read back by (conversation_id,
   * seq), unique under the conversations' locks. The server's modes are read once per process.
   */
  private async insertedIds(first: number, rows: NewMessage[], transaction: AnyTransaction): Promise<string[]> {
    if (rows.length === 1) return [ String(first) ];
    this.autoincStep ??= transactionExecute<Array<{ mode: number; step: number }>>(transaction,
      'SELECT @@innodb_autoinc_lock_mode AS mode, @@auto_increment_increment AS step', [])
      .then(([ row ]) => (Number(row.mode) === 2 ? 0 : Number(row.step)));
    const step = await this.autoincStep.catch(err => {
      this.autoincStep = undefined;
      throw err;
    });
    if (step) return rows.map((_, i) => String(first + i * step));
    const ids: string[] = [];
    for (const row of rows) {
      const [ found ] = await transactionExecute<Array<{ id: number }>>(transaction,
        'SELECT id FROM message WHERE conversation_id = ? AND seq = ?', [ row.conversation_id, row.seq ]);
      ids.push(String(found.id));
    }
    return ids;
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
   * The messages of the pair's or group's conversation with `after` < `seq` < `before`, newest
   * first, as ids and digests; [] without a conversation. `after` is a group member's join_seq (0:
   * from the start). The pages asked for in one turn of the event loop are read by one statement
   * per kind (equal pages share it).
   */
  async listHistoryKeys(owner: HistoryOwner, before: number, limit: number, after = 0): Promise<MessageKey[]> {
    return this.historyBatch.get(`keys:${historyOwnerKey(owner)}:${before}:${after}:${limit}`);
  }

  /** listHistoryKeys with each message's row: for the messages this process does not keep. */
  async listHistoryRows(owner: HistoryOwner, before: number, limit: number, after = 0): Promise<Array<MessageRow & MessageKey>> {
    return this.historyBatch.get(`rows:${historyOwnerKey(owner)}:${before}:${after}:${limit}`) as Promise<Array<MessageRow & MessageKey>>;
  }

  /** Messages by id with their digests (the history's messages not kept yet), in no order. */
  async listDigestedMessages(ids: string[]): Promise<Array<MessageRow & MessageKey>> {
    // A hot read of many rows: on a pooled connection, on the primary, text protocol (app/lib/pooledQuery.ts).
    const rows = await pooledQuery<MessageRow & MessageKey>(this.sequelize, 'write', DIGESTED_MESSAGES, { ids });
    for (const row of rows) row.id = String(row.id);
    return rows;
  }

  // Each key is a page: `keys|rows:pair:userA:userB:before:after:limit` or `keys|rows:group:groupId:before:after:limit`.
  private readonly historyBatch = new TurnBatch<string, MessageKey[]>(async keys => {
    const pages = new Map<string, MessageKey[]>();
    await Promise.all(HISTORY_STATEMENTS.map(async ({ prefix, kind, sql }) => {
      const mine = keys.filter(key => key.startsWith(prefix));
      if (!mine.length) return;
      const sets = mine.map(key => {
        const numbers = key.slice(prefix.length).split(':').map(Number);
        const [ before, after, limit ] = numbers.slice(-3);
        return { ...(kind === 'pair' ? { userA: numbers[0], userB: numbers[1] } : { groupId: numbers[0] }), before, after, limit };
      });
      // A hot read of many rows: on a pooled connection, on the primary, text protocol (app/lib/pooledQuery.ts).
      const rows = await pooledQueryUnion<MessageKey>(this.sequelize, 'write', sql, sets, 'seq DESC');
      mine.forEach((key, i) => {
        for (const row of rows[i]) row.id = String(row.id);
        pages.set(key, rows[i]);
      });
    }));
    return keys.map(key => pages.get(key)!);
  });

  // A group's conversation (CONTRACT-groups §B): one row per group (UNIQUE group_id), chat_type 2,
  // no users; its lock orders the group's messages and stored notices as a pair's does.

  /** Creates the group's conversation if missing (ON DUPLICATE KEY UPDATE: an exclusive lock at once, as saveConversation). */
  async saveGroupConversation(groupId: number, transaction: AnyTransaction): Promise<void> {
    const now = sqlTime();
    await transactionExecute(transaction, 'INSERT INTO conversation (chat_type, user_a, user_b, group_id, last_seq, sent_a, sent_b, create_time, update_time) ' +
      'VALUES (2, NULL, NULL, ?, 0, 0, 0, ?, ?) ON DUPLICATE KEY UPDATE id = id', [ groupId, now, now ]);
  }

  /** Locks the group's conversation (SELECT … FOR UPDATE); null if there is none. */
  async lockGroupConversation(groupId: number, transaction: AnyTransaction): Promise<ConversationRow | null> {
    const rows = await transactionExecute<ConversationRow[]>(transaction, `${LOCK_CONVERSATION} WHERE group_id = ? FOR UPDATE`, [ groupId ]);
    return rows[0] ? conversationRow(rows[0]) : null;
  }
}
