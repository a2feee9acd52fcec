// Group messages (CONTRACT-groups §B, §F): one `message` row per message or stored notice in the
// group's conversation (conversation.group_id), its `seq` the group's own; one inbox entry per
// member, appended in one pipelined round trip (Broker.appendMany) inside the transaction that
// holds the conversation's lock, so every inbox gets the group's entries in `seq` order.
//
// Who receives an entry is read under the conversation's lock. A join takes that lock (joinSeq)
// before it inserts the membership, so a newcomer gets exactly the entries after its join_seq.
// sendmessage reads the members with a plain read after the lock (its batch's transaction is
// READ COMMITTED: the read sees every membership committed before it), so it locks no membership row: the group use cases change memberships before
// they take the conversation lock (an approval removes the request, then joins), and a shared
// lock here would wait for them while they wait for this lock. A removal racing a message lets
// the message reach the removed member or not; either way it is never in their history (403
// while out, before their next join_seq). storeNotice, inside the use case's own transaction
// (which may have read before it took the group lock), reads with a shared lock: the memberships
// it sees are the latest committed, and only the group lock's holder changes them.
import { Service } from 'egg';
import { Transaction } from 'sequelize';
import { retryOnLockConflict } from '../../lib/dependencyErrors';
import { ForbiddenError, NotFoundError, ServiceUnavailableError } from '../../lib/errors';
import { GroupRow, avatarInGroup, groupView, nameInGroup } from '../../lib/groups/views';
import { SendInput } from '../../lib/messaging/messageInput';
import { GROUP_CHAT_TYPE, MessageObject, MessageRow, RevokeNotice, messageObject, noticeData, revokeNotice, revokedData } from '../../lib/messaging/messageView';
import { messagesStored } from '../../lib/metrics/registry';
import { QueuedEntry } from '../../realtime/broker';
import { ConversationRow, NewMessage } from '../../repository/messages';
import type { Caller } from '../messaging/chat';

/** Who a group message or notice is from: the name and avatar in the group (nameInGroup / avatarInGroup). */
export interface GroupAuthor {
  /** The user's id; a string for the notices whose `from_id` is one (the joined notice's `redirect-applyAddGroup…`). */
  id: number | string;
  name: string;
  avatar: string;
}

/** What a stored group entry is made of (the message row's own columns). */
interface GroupDraft {
  from: GroupAuthor;
  type: string;
  /** The `data` JSON text. */
  data: string;
  options: Record<string, unknown>;
  sendUuid: string;
}

export default class GroupMessageService extends Service {
  private get timezone() {
    return this.config.im.user.timezone;
  }

  /**
   * The group's conversation, locked until `transaction` ends; created on first use. Nothing
   * else orders a group's entries: every stored message and notice of the group takes it.
   */
  private async lockConversation(groupId: number, transaction: Transaction): Promise<ConversationRow> {
    const store = this.app.repos.messages;
    const found = await store.lockGroupConversation(groupId, transaction);
    if (found) return found;
    await store.saveGroupConversation(groupId, transaction);
    return (await store.lockGroupConversation(groupId, transaction))!;
  }

  /**
   * Stores a systemNotice (`{data: text, dataType: false, otherData: null}`) in the group's
   * conversation with the next seq, inside `transaction` (the caller holds the group row lock and
   * made its membership change first); queues it for every current member (singleChat to every
   * session, the acting one included; no sync copies); delivers after commit; creates the
   * group's conversation on first use. `group` = the row AFTER the action. Returns the message object.
   */
  async storeNotice(transaction: Transaction, group: GroupRow, from: GroupAuthor, text: string): Promise<MessageObject> {
    const conversation = await this.lockConversation(group.id, transaction);
    const members = await this.app.repos.groups.lockMembers(group.id, transaction);
    const draft = { from, type: 'systemNotice', data: JSON.stringify(noticeData(text)), options: {}, sendUuid: '' };
    const { message, row } = await this.save(conversation, group, draft, transaction);
    const queued = await this.app.broker.appendMany(members.map(member => member.user_id), { kind: 'm', messageId: String(row.id) }, message);
    this.announceAfterCommit(transaction, queued);
    return message;
  }

  /** The group's last seq (0 before anything was stored), read under the conversation's lock: a newcomer's join_seq. */
  async joinSeq(groupId: number, transaction: Transaction): Promise<number> {
    return (await this.lockConversation(groupId, transaction)).last_seq;
  }

  /**
   * CONTRACT-groups §B: sendmessage with chatType group (input checked, rate limit and
   * client_msg_id taken by ChatService.send). One row; one entry per member but the sender
   * (singleChat) and, when the sender has other sessions, one sync copy (singleChatSync).
   */
  async send(caller: Caller, input: SendInput): Promise<MessageObject> {
    const { broker, repos } = this.app;
    const groupId = input.sendtoId;
    const [ found, sessions ] = await Promise.all([ repos.groups.findGroup(groupId), broker.sessionCount(caller.id) ]);
    if (!found || found.status !== 1) throw new NotFoundError('groups.messageGroupNotFound');
    // Group commit (app/lib/messaging/sendBatch.ts): prepared under the group conversation's lock.
    return this.app.sendBatcher.send({
      target: { group: groupId },
      prepare: async (_conversation, transaction, shared) => {
        // Plain reads after the batch's locks (READ COMMITTED): they see every rename and join
        // committed before the lock (see the top of this file); the group and its members are
        // read once for all the batch's sends to it.
        const group = await shared(`group ${groupId}`, () => repos.groups.findGroup(groupId, transaction));
        if (!group || group.status !== 1) throw new NotFoundError('groups.messageGroupNotFound');
        const members = await shared(`members ${groupId}`, () => repos.groups.listMemberSeqs(groupId, transaction));
        if (!members.some(member => member.user_id === caller.id)) throw new ForbiddenError('groups.messageNotMember');
        const sender = await repos.groups.findMemberIdentity(groupId, caller.id, transaction);
        if (!sender) throw new ServiceUnavailableError(); // a member in this very snapshot: its user row is missing
        const from = { id: caller.id, name: nameInGroup(sender), avatar: avatarInGroup(sender) };
        return {
          message: this.groupMessage(group, { from, type: input.type, data: input.data, options: input.options, sendUuid: sender.uuid }),
          recipients: members.map(member => member.user_id).filter(uid => uid !== caller.id),
          fanOut: true,
          copy: sessions > 1 ? { uid: caller.id, origin: caller.sid } : undefined,
          clientMsgId: input.clientMsgId ? { uid: caller.id, id: input.clientMsgId } : undefined,
        };
      },
    });
  }

  /**
   * CONTRACT-groups §B, §F: revokeMessage with chatType group. The sender, or the group's owner
   * for any member's message, within REVOKE_WINDOW_MINUTES; the notice (`group` = G as stored,
   * the text with the sender's name in the group) to every member who received the message and
   * to the revoker's other sessions (singleChatSync).
   */
  async revoke(caller: Caller, id: string, toId: number): Promise<RevokeNotice> {
    const { broker, repos } = this.app;
    const store = repos.messages;
    const found = await store.findMessage(id);
    if (!found || found.chat_type !== GROUP_CHAT_TYPE) throw new NotFoundError('messaging.error.messageNotFound');
    const [ group, membership, sessions ] = await Promise.all([
      repos.groups.findGroup(found.to_id), repos.groups.findMembership(found.to_id, caller.id), broker.sessionCount(caller.id),
    ]);
    // Not a conversation of the caller: the group is gone, or the caller is not (or no longer) in it.
    if (!group || group.status !== 1 || !membership || membership.status !== 1) throw new NotFoundError('messaging.error.messageNotFound');
    const mayRevoke = found.from_id === caller.id || group.user_id === caller.id;
    if (!mayRevoke || found.type === 'systemNotice') throw new ForbiddenError('messaging.error.revokeOwnOnly');
    if (found.to_id !== toId) throw new NotFoundError('messaging.error.messageNotFound');
    if (found.isremove) return revokeNotice(found);
    const minutes = this.config.im.messaging.revokeWindowMinutes;
    if (Date.now() - found.create_time.getTime() > minutes * 60000) throw new ForbiddenError('messaging.error.revokeTooLate', { n: minutes });
    return retryOnLockConflict(() => this.ctx.model.transaction(async transaction => {
      const row = (await store.lockMessage(id, transaction))!;
      if (row.isremove) return revokeNotice(row); // revoked meanwhile
      // from_name is the sender's name in the group, as the message carried it.
      await store.saveRevoked(id, revokedData(row.from_name), new Date(), transaction);
      const revoked = (await store.findMessage(id, transaction))!;
      const notice = revokeNotice(revoked);
      const members = await repos.groups.listMemberSeqs(found.to_id, transaction);
      // Who got the message: members who joined before it (join_seq below its seq).
      const others = members.filter(member => member.join_seq < row.seq && member.user_id !== caller.id).map(member => member.user_id);
      const queued = await Promise.all([
        broker.appendMany(others, { kind: 'r', messageId: id }, notice),
        sessions > 1 ? broker.append(caller.id, { kind: 'rs', messageId: id, origin: caller.sid }, notice) : null,
      ]);
      this.announceAfterCommit(transaction, [ ...queued[0], ...(queued[1] ? [ queued[1] ] : []) ], false);
      return notice;
    }));
  }

  /** CONTRACT-groups §B: GET /api/chat/history/:id?chatType=group, from the caller's join on: the answer's bytes (ctx.okEncoded). */
  async history(callerId: number, groupId: number, before: number | undefined, limit: number): Promise<Buffer> {
    const { repos } = this.app;
    const [ group, membership ] = await Promise.all([ repos.groups.findGroup(groupId), repos.groups.findMembership(groupId, callerId) ]);
    if (!group || group.status !== 1) throw new NotFoundError('groups.notFound');
    if (!membership || membership.status !== 1) throw new ForbiddenError('groups.notMember');
    return this.ctx.service.messaging.chat.historyPage({ group: groupId }, before ?? 4294967296, limit, membership.join_seq);
  }

  /** Inserts the group's next row (G as `group` is now) and builds its message object. */
  private async save(conversation: ConversationRow, group: GroupRow, draft: GroupDraft, transaction: Transaction) {
    const row: MessageRow = await this.app.repos.messages.saveMessage(conversation, this.groupMessage(group, draft), transaction);
    return { row, message: messageObject(row) };
  }

  /** A group's message row as the draft makes it (the batched send and the stored notices alike). */
  private groupMessage(group: GroupRow, draft: GroupDraft): Omit<NewMessage, 'conversation_id' | 'seq'> {
    const { from } = draft;
    return {
      from_id: typeof from.id === 'number' ? from.id : 0,
      from_ref: typeof from.id === 'number' ? null : from.id,
      to_id: group.id,
      chat_type: GROUP_CHAT_TYPE,
      type: draft.type,
      data: draft.data,
      options: Object.keys(draft.options).length ? JSON.stringify(draft.options) : null,
      from_name: from.name,
      from_avatar: from.avatar,
      to_name: group.name,
      to_avatar: group.avatar,
      send_uuid: draft.sendUuid,
      group_json: JSON.stringify(groupView(group, this.timezone)),
      create_time: new Date(),
    };
  }

  /** The entries' events once the transaction commits (a lost event only delays delivery). */
  private announceAfterCommit(transaction: Transaction, queued: QueuedEntry[], stored = true) {
    const { broker } = this.app;
    transaction.afterCommit(() => broker.announce(queued));
    if (stored) transaction.afterCommit(() => messagesStored.inc());
  }
}
