import { randomBytes } from 'node:crypto';
import { Service } from 'egg';
import { Transaction } from 'sequelize';
import { retryOnLockConflict } from '../../lib/dependencyErrors';
import { ForbiddenError, NotFoundError, ServiceUnavailableError, ValidationError } from '../../lib/errors';
import { sendCountFor } from '../../lib/friends/userset';
import { SendInput } from '../../lib/messaging/messageInput';
import { okListBody } from '../../lib/envelope';
import { isWarm, keptMessageJson, messageJson, noteKept } from '../../lib/messaging/messageJson';
import { MessageObject, MessageRow, RevokeNotice, messageObject, revokeNotice, revokedData } from '../../lib/messaging/messageView';
import { messagesStored } from '../../lib/metrics/registry';
import { Bucket } from '../rateLimit';
import { QueuedEntry } from '../../realtime/broker';
import { ConversationRow, FriendLink, HistoryOwner, historyOwnerKey, NewMessage, Party } from '../../repository/messages';
import { NOW_FRIENDS } from '../../lib/friends/notices';

/** The caller of a route: user id, session id and role as stored. */
export interface Caller {
  id: number;
  sid: string;
  role: string;
}

/** A message the server makes (systemNotice), e.g. "we are friends now". */
export interface SystemNoticeInput {
  fromId: number;
  toId: number;
  /** The notice's `data` object, e.g. `{data: "…", dataType: false, otherData: null}`. */
  data: Record<string, unknown>;
}

interface Draft {
  sender: Party;
  recipient: Party;
  links: FriendLink[];
  type: string;
  data: string;
  options: Record<string, unknown>;
  /** The sending session: its sync copies go to the sender's other sessions. */
  origin?: string;
  /** Whether the sender holds other sessions (sync copies). */
  copies?: boolean;
  /** The pair had no conversation when the send began. */
  newConversation: boolean;
  clientMsgId?: string;
  /** Checked under the conversation lock, before the insert. */
  guard?: (conversation: ConversationRow) => void;
}

const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms));

/** What a user is called by `viewer`: the viewer's remark, else nickname, else username. */
const nameFor = (user: Party, remark?: string) => remark || user.nickname || user.username;

/** A single chat's message row as the draft makes it (the batched send and the in-transaction notices alike). */
function pairMessage(draft: Draft): Omit<NewMessage, 'conversation_id' | 'seq'> {
  const { sender, recipient, links } = draft;
  const remarkOf = (owner: number) => links.find(link => link.user_id === owner)?.nickname;
  return {
    from_id: sender.id,
    to_id: recipient.id,
    chat_type: 1,
    type: draft.type,
    data: draft.data,
    options: Object.keys(draft.options).length ? JSON.stringify(draft.options) : null,
    from_name: nameFor(sender, remarkOf(recipient.id)),
    from_avatar: sender.avatar,
    to_name: nameFor(recipient, remarkOf(sender.id)),
    to_avatar: recipient.avatar,
    send_uuid: sender.uuid,
    create_time: new Date(),
  };
}

/**
 * Messaging use cases over the store and the broker. storeMessage() is the one write path of
 * a message: sendmessage and server-made notices both go through it.
 */
export default class ChatService extends Service {
  private get settings() {
    return this.config.im.messaging;
  }

  private bucket(uid: number, name: string, limit: number, windowSeconds: number): Bucket {
    return { key: `${this.config.im.rateLimit.keyPrefix}{u${uid}}:${name}`, limit, windowSeconds };
  }

  /** CONTRACT: POST /api/chat/socket/sendmessage (input already checked). */
  async send(caller: Caller, input: SendInput): Promise<MessageObject> {
    const { service } = this.ctx;
    await service.rateLimit.take([ this.bucket(caller.id, 'msg', this.settings.msgRateLimit, 60) ]);
    if (!input.clientMsgId) return this.sendChecked(caller, input);
    const token = randomBytes(12).toString('base64url');
    const first = await this.claimClientMsgId(caller.id, input.clientMsgId, token);
    if (first) return first;
    try {
      return await this.sendChecked(caller, input);
    } catch (err) {
      await this.app.broker.releaseClientMsgId(caller.id, input.clientMsgId, `p:${token}`).catch(() => undefined);
      throw err;
    }
  }

  /**
   * Claims a client_msg_id, or answers the message it already made. Another send holding it
   * is waited for (two identical sends at once make one message).
   */
  private async claimClientMsgId(uid: number, clientMsgId: string, token: string): Promise<MessageObject | null> {
    const { broker } = this.app;
    const store = this.app.repos.messages;
    const deadline = Date.now() + this.settings.clientMsgWaitMs;
    for (;;) {
      const held = await broker.claimClientMsgId(uid, clientMsgId, token);
      if (held === null) return null;
      if (held && !held.startsWith('p:')) {
        // The key is set before the message commits: a locking read waits for that commit.
        const [ row ] = (await store.listMessages([ held ])).values();
        if (row) return messageObject(row);
        await broker.releaseClientMsgId(uid, clientMsgId, held); // never committed
        continue;
      }
      if (Date.now() > deadline) throw new ServiceUnavailableError();
      await sleep(25);
    }
  }

  private async sendChecked(caller: Caller, input: SendInput): Promise<MessageObject> {
    if (input.chatType === 'group') return this.ctx.service.groups.messages.send(caller, input);
    const store = this.app.repos.messages;
    const [{ users, links, blockers, conversationId }, sessions ] = await Promise.all([
      store.findParties(caller.id, input.sendtoId),
      this.app.broker.sessionCount(caller.id),
    ]);
    const sender = users.get(caller.id);
    const recipient = users.get(input.sendtoId);
    if (!sender) throw new ServiceUnavailableError(); // auth saw the row a moment ago
    if (!recipient || recipient.is_deleted || recipient.status !== 1) throw new NotFoundError('messaging.error.recipientUnavailable');
    // R: the recipient's row about the sender.
    const theirs = links.find(link => link.user_id === recipient.id);
    // The recipient's block (user_block) refuses me, friends or not.
    if (blockers.has(recipient.id)) throw new ForbiddenError('messaging.error.blacklisted');
    if (theirs && theirs.status !== 1) throw new ForbiddenError('messaging.error.systemBlocked');
    let guard: Draft['guard'];
    if (!theirs) {
      const sendCount = sendCountFor(recipient.userset, caller.role);
      if (sendCount === 0) {
        throw new ForbiddenError(caller.role === 'visitor' ? 'messaging.error.visitorFriendsOnly' : 'messaging.error.friendsOnly');
      }
      if (sendCount === 1) {
        guard = conversation => {
          const sent = caller.id === conversation.user_a ? conversation.sent_a : conversation.sent_b;
          if (sent > 0) throw new ForbiddenError('messaging.error.oneMessageOnly');
        };
      }
    }
    if (!conversationId) {
      await this.ctx.service.rateLimit.take([ this.bucket(caller.id, 'newconv', this.settings.msgNewConvLimit, 86400) ]);
    }
    const draft: Draft = {
      sender, recipient, links, type: input.type, data: input.data, options: input.options,
      origin: caller.sid, copies: sessions > 1, clientMsgId: input.clientMsgId, guard, newConversation: !conversationId,
    };
    // Group commit (app/lib/messaging/sendBatch.ts): decided and stored under the conversation's lock.
    return this.app.sendBatcher.send({
      target: { pair: [ sender.id, recipient.id ], create: draft.newConversation },
      prepare: async conversation => {
        draft.guard?.(conversation);
        return {
          message: pairMessage(draft),
          recipients: [ recipient.id ],
          copy: draft.copies ? { uid: sender.id, origin: draft.origin! } : undefined,
          clientMsgId: draft.clientMsgId ? { uid: sender.id, id: draft.clientMsgId } : undefined,
        };
      },
    });
  }

  /**
   * For other capabilities (autoAddFriendAndAgree): stores a server-made message (type
   * systemNotice, `data` an object) from `fromId` to `toId` inside the caller's transaction
   * and delivers it once that transaction commits; no sync copies. Throws
   * NotFoundError('messaging.error.recipientUnavailable') if either user is missing.
   */
  async storeSystemNotice(transaction: Transaction, notice: SystemNoticeInput): Promise<MessageObject> {
    // On the transaction's connection (it holds one already), after its writes: the remarks just stored.
    const { users, links, conversationId } = await this.app.repos.messages.findParties(notice.fromId, notice.toId, transaction);
    const sender = users.get(notice.fromId);
    const recipient = users.get(notice.toId);
    if (!sender || !recipient) throw new NotFoundError('messaging.error.recipientUnavailable');
    return this.storeMessage(transaction, {
      sender, recipient, links, type: 'systemNotice', data: JSON.stringify(notice.data), options: {}, newConversation: !conversationId,
    });
  }

  /** The pair of "we are friends now" systemNotices, one each way (autoAddFriendAndAgree, handleapply agree). */
  async storeNowFriends(transaction: Transaction, a: number, b: number): Promise<void> {
    await this.storeSystemNotice(transaction, { fromId: a, toId: b, data: NOW_FRIENDS });
    await this.storeSystemNotice(transaction, { fromId: b, toId: a, data: NOW_FRIENDS });
  }

  /**
   * A message stored inside another use case's transaction (server-made notices): locks its
   * conversation, takes the next seq, inserts the row and appends the inbox entries inside
   * `transaction`, so inbox order is seq order; publishes the entries' events after the commit.
   * The same row (pairMessage) and statements (repository saveMessages) as the batched send.
   */
  private async storeMessage(transaction: Transaction, draft: Draft): Promise<MessageObject> {
    const { broker } = this.app;
    const store = this.app.repos.messages;
    const { sender, recipient } = draft;
    // A new pair's conversation is inserted before it is locked: a locking read of a missing
    // key would take a gap lock, and concurrent first messages of other pairs would deadlock.
    if (draft.newConversation) await store.saveConversation(sender.id, recipient.id, transaction);
    let conversation = await store.lockConversation(sender.id, recipient.id, transaction);
    if (!conversation) {
      await store.saveConversation(sender.id, recipient.id, transaction);
      conversation = (await store.lockConversation(sender.id, recipient.id, transaction))!;
    }
    draft.guard?.(conversation);
    const row = await store.saveMessage(conversation, pairMessage(draft), transaction);
    const message = messageObject(row);
    const queued = await this.queue(row, message, 'm', draft.copies ? { kind: 's', origin: draft.origin! } : undefined);
    if (draft.clientMsgId) await broker.setClientMsgId(sender.id, draft.clientMsgId, message.id);
    transaction.afterCommit(() => broker.announce(queued));
    transaction.afterCommit(() => messagesStored.inc());
    return message;
  }

  /** Appends the recipient's entry and, when asked, the sync copy for the sender's other sessions. */
  private async queue(row: MessageRow, data: unknown, kind: 'm' | 'r', copy?: { kind: 's' | 'rs'; origin: string }): Promise<QueuedEntry[]> {
    const { broker } = this.app;
    return Promise.all([
      broker.append(row.to_id, { kind, messageId: String(row.id) }, data),
      ...(copy ? [ broker.append(row.from_id, { kind: copy.kind, messageId: String(row.id), origin: copy.origin }, data) ] : []),
    ]);
  }

  /** A transaction retried once on a deadlock or lock timeout, then 503. */
  private inTransaction<T>(work: (transaction: Transaction) => Promise<T>): Promise<T> {
    return retryOnLockConflict(() => this.ctx.model.transaction(work));
  }

  /** CONTRACT: POST /api/chat/revokeMessage. */
  async revoke(caller: Caller, id: string, chatType: string, toId: number): Promise<RevokeNotice> {
    if (chatType === 'group') return this.ctx.service.groups.messages.revoke(caller, id, toId);
    const { broker } = this.app;
    const store = this.app.repos.messages;
    const found = await store.findMessage(id);
    if (!found || (found.from_id !== caller.id && found.to_id !== caller.id) || chatType !== 'single' || found.chat_type !== 1) {
      throw new NotFoundError('messaging.error.messageNotFound');
    }
    if (found.from_id !== caller.id || found.type === 'systemNotice') throw new ForbiddenError('messaging.error.revokeOwnOnly');
    if (found.to_id !== toId) throw new NotFoundError('messaging.error.messageNotFound');
    if (found.isremove) return revokeNotice(found);
    const minutes = this.settings.revokeWindowMinutes;
    if (Date.now() - found.create_time.getTime() > minutes * 60000) throw new ForbiddenError('messaging.error.revokeTooLate', { n: minutes });
    const [{ users }, sessions ] = await Promise.all([ store.findParties(caller.id, found.to_id), broker.sessionCount(caller.id) ]);
    const sender = users.get(caller.id)!;
    return this.inTransaction(async transaction => {
      const row = (await store.lockMessage(id, transaction))!;
      if (row.isremove) return revokeNotice(row); // revoked meanwhile
      await store.saveRevoked(id, revokedData(sender.nickname || sender.username), new Date(), transaction);
      const revoked = (await store.findMessage(id, transaction))!;
      const notice = revokeNotice(revoked);
      const queued = await this.queue(revoked, notice, 'r', sessions > 1 ? { kind: 'rs', origin: caller.sid } : undefined);
      transaction.afterCommit(() => broker.announce(queued));
      return notice;
    });
  }

  /**
   * CONTRACT: GET /api/chat/history/:user_id (?chatType=group: the group's, CONTRACT-groups §B):
   * the whole answer as bytes (ctx.okEncoded), the bytes `ctx.ok(messages)` would send.
   */
  async history(callerId: number, otherId: number, before: number | undefined, limit: number, chatType = 'single'): Promise<Buffer> {
    if (chatType === 'group') return this.ctx.service.groups.messages.history(callerId, otherId, before, limit);
    if (otherId === callerId) throw new ValidationError('messaging.validation.self');
    return this.historyPage({ pair: [ callerId, otherId ] }, before ?? 4294967296, limit);
  }

  /**
   * The messages of the pair's or group's conversation with `after` < `seq` < `before`, newest
   * first, as the answer's bytes: each message's JSON kept (app/lib/messaging/messageJson.ts) or
   * built from its row, read now. A conversation whose last page was mostly kept is read as ids
   * and digests, then the messages not kept by id; another as rows with their digests at once.
   * `after` is a group member's join_seq (0: from the start).
   */
  async historyPage(owner: HistoryOwner, before: number, limit: number, after = 0): Promise<Buffer> {
    const store = this.app.repos.messages;
    const ownerKey = historyOwnerKey(owner);
    if (!isWarm(ownerKey)) {
      const rows = await store.listHistoryRows(owner, before, limit, after);
      const kept = rows.map(row => keptMessageJson(row.id, row.digest));
      noteKept(ownerKey, kept.filter(Boolean).length, rows.length);
      return okListBody(rows.map((row, i) => kept[i] ?? messageJson(row, row.digest)));
    }
    const keys = await store.listHistoryKeys(owner, before, limit, after);
    const items = keys.map(key => keptMessageJson(key.id, key.digest));
    const missing = keys.filter((_key, i) => !items[i]).map(key => key.id);
    noteKept(ownerKey, keys.length - missing.length, keys.length);
    if (missing.length) {
      const built = new Map((await store.listDigestedMessages(missing)).map(row => [ row.id, messageJson(row, row.digest) ]));
      keys.forEach((key, i) => { items[i] ??= built.get(key.id); });
    }
    // A message missing from the second read is gone (no path deletes one): left out, as a read after its deletion would.
    return okListBody(items.filter((item): item is Buffer => item !== undefined));
  }

  /** CONTRACT: POST /api/chat/chatGetmessageOffLine: the session's socket, wherever it is, catches up. */
  async requestCatchUp(caller: Caller): Promise<void> {
    await this.app.broker.publish(caller.id, { t: 'catchup', s: caller.sid });
  }
}
