// The send path's group commit (docs/performance.md "sendmessage"): the sends of a process that
// arrive while a batch is being stored share the next transaction. A batch locks its
// conversations in one order (lockAll), lets each send decide under the locks (the stranger
// rule's count, a group's members), inserts every message in one multi-row INSERT, appends every
// inbox entry in one pipeline (a group's fan-out in one appendMany each), commits once and
// publishes after the commit. A 200 still means committed and queued: each send's promise
// settles after its batch's commit. A send refused under the locks (an ApiError) fails alone; a
// batch failing as a whole (a lock timeout, a deadlock, Redis) is retried one send per
// transaction (GroupCommit), so only the send that fails on its own fails.
import type { Application } from 'egg';
import type { Transaction } from 'sequelize';
import { retryOnLockConflict } from '../dependencyErrors';
import { ApiError } from '../errors';
import { GroupCommit, GroupCommitOptions, Outcome } from '../groupCommit';
import { messagesStored } from '../metrics/registry';
import { MessageObject, messageObject } from './messageView';
import type { AppendRequest, QueuedEntry } from '../../realtime/broker';
import { ConversationRow, NewMessage, nextMessage, pairOf } from '../../repository/messages';

/**
 * A send's conversation: a pair's (`id` when the send's read found it; `create`: inserted first,
 * the pair had none) or a group's.
 */
export type SendTarget = { pair: [ number, number ]; create: boolean; id?: string } | { group: number };

/** What a send stores, decided under its conversation's lock. */
export interface PreparedSend {
  message: Omit<NewMessage, 'conversation_id' | 'seq'>;
  /** The users who get the message (entry kind `m`). */
  recipients: number[];
  /** The recipients are a group's members: one appendMany. */
  fanOut?: boolean;
  /** The sync copy for the sender's other sessions (entry kind `s`). */
  copy?: { uid: number; origin: string };
  clientMsgId?: { uid: number; id: string };
}

export interface SendJob {
  target: SendTarget;
  /**
   * Runs inside the batch's transaction once every conversation of the batch is locked, in
   * arrival order: `conversation` already counts the batch's earlier sends to it. Throws an
   * ApiError to refuse this send alone (nothing of it is stored); any other error fails the batch.
   */
  prepare(conversation: ConversationRow, transaction: Transaction): Promise<PreparedSend>;
}

const keyOf = (target: SendTarget) => ('group' in target ? `g${target.group}` : `p${pairOf(...target.pair).join(':')}`);

export class SendBatcher {
  private readonly commits: GroupCommit<SendJob, MessageObject>;

  constructor(private readonly app: Application, options: GroupCommitOptions) {
    // A lone send keeps the one retry on a lock conflict that every transaction of the app has.
    this.commits = new GroupCommit(jobs => (jobs.length === 1 ? retryOnLockConflict(() => this.store(jobs)) : this.store(jobs)), options);
  }

  /** Stores the message once its batch commits; rejects with the send's own error. */
  send(job: SendJob): Promise<MessageObject> {
    return this.commits.submit(job);
  }

  private store(jobs: SendJob[]): Promise<Array<Outcome<MessageObject>>> {
    const { broker, repos } = this.app;
    return this.app.model.transaction(async transaction => {
      const locked = await this.lockAll(jobs, transaction);
      const outcomes: Array<Outcome<MessageObject>> = new Array(jobs.length);
      const kept: Array<{ index: number; prepared: PreparedSend; row: NewMessage }> = [];
      for (const [ index, job ] of jobs.entries()) {
        const conversation = locked.get(keyOf(job.target))!;
        try {
          const prepared = await job.prepare(conversation, transaction);
          kept.push({ index, prepared, row: nextMessage(conversation, prepared.message) });
        } catch (err) {
          if (!(err instanceof ApiError)) throw err;
          outcomes[index] = { ok: false, error: err };
        }
      }
      if (!kept.length) return outcomes;
      const touched = [ ...new Set(kept.map(({ row }) => row.conversation_id)) ].map(id => [ ...locked.values() ].find(c => c.id === id)!);
      const rows = await repos.messages.saveMessages(kept.map(({ row }) => row), touched, transaction);
      const messages = rows.map(messageObject);
      // Every call below writes its commands before the next starts: a recipient's entries of
      // one conversation reach Redis in seq order.
      const entries: AppendRequest[] = [];
      const fanOuts: Array<Promise<QueuedEntry[]>> = [];
      kept.forEach(({ prepared }, i) => {
        const messageId = String(rows[i].id);
        const data = messages[i];
        if (prepared.fanOut) fanOuts.push(broker.appendMany(prepared.recipients, { kind: 'm', messageId }, data));
        else for (const uid of prepared.recipients) entries.push({ uid, entry: { kind: 'm', messageId }, data });
        if (prepared.copy) entries.push({ uid: prepared.copy.uid, entry: { kind: 's', messageId, origin: prepared.copy.origin }, data });
      });
      const [ queued, ...fanned ] = await Promise.all([ entries.length ? broker.appendEach(entries) : [], ...fanOuts ]);
      await Promise.all(kept.map(({ prepared }, i) => (prepared.clientMsgId ?
        broker.setClientMsgId(prepared.clientMsgId.uid, prepared.clientMsgId.id, String(rows[i].id)) : null)));
      const announced = [ ...queued, ...fanned.flat() ];
      transaction.afterCommit(() => broker.announce(announced));
      transaction.afterCommit(() => messagesStored.inc(rows.length));
      kept.forEach(({ index }, i) => { outcomes[index] = { ok: true, value: messages[i] }; });
      return outcomes;
    });
  }

  /**
   * Every conversation of the batch, locked in one order: the pairs whose conversation the
   * sends' reads found, by id in one statement; then the other pairs in pair order, new ones'
   * rows inserted first (an insert's exclusive lock, no gap lock: see ChatService); then the
   * groups by id. Two batches, or a batch and a single-conversation transaction, do not wait for each
   * other in a cycle (a deadlock would only send the batch's sends one by one).
   */
  private async lockAll(jobs: SendJob[], transaction: Transaction): Promise<Map<string, ConversationRow>> {
    const store = this.app.repos.messages;
    const pairs = new Map<string, { pair: [ number, number ]; create: boolean; id?: string }>();
    const groups = new Set<number>();
    for (const { target } of jobs) {
      if ('group' in target) {
        groups.add(target.group);
        continue;
      }
      const key = keyOf(target);
      const found = pairs.get(key);
      pairs.set(key, { pair: pairOf(...target.pair), create: target.create || (found?.create ?? false), id: target.id ?? found?.id });
    }
    const locked = new Map<string, ConversationRow>();
    const known = [ ...pairs.entries() ].filter(([ , pair ]) => pair.id);
    for (const row of await store.lockConversations(known.map(([ , pair ]) => pair.id!), transaction)) {
      const key = `p${row.user_a}:${row.user_b}`;
      if (pairs.has(key)) locked.set(key, row);
    }
    const rest = [ ...pairs.entries() ].filter(([ key ]) => !locked.has(key)).sort(([ , x ], [ , y ]) => x.pair[0] - y.pair[0] || x.pair[1] - y.pair[1]);
    for (const [ , { pair, create }] of rest) if (create) await store.saveConversation(pair[0], pair[1], transaction);
    for (const [ key, { pair }] of rest) {
      let conversation = await store.lockConversation(pair[0], pair[1], transaction);
      if (!conversation) {
        await store.saveConversation(pair[0], pair[1], transaction);
        conversation = (await store.lockConversation(pair[0], pair[1], transaction))!;
      }
      locked.set(key, conversation);
    }
    for (const group of [ ...groups ].sort((x, y) => x - y)) {
      let conversation = await store.lockGroupConversation(group, transaction);
      if (!conversation) {
        await store.saveGroupConversation(group, transaction);
        conversation = (await store.lockGroupConversation(group, transaction))!;
      }
      locked.set(`g${group}`, conversation);
    }
    return locked;
  }
}
