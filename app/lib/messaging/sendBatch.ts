// The send path's group commit (docs/performance.md "sendmessage"): the sends of a process that
// arrive while a batch is being stored share the next transaction. A batch creates the new pairs'
// conversations first (their own statement, committed at once), then locks every conversation
// it writes in one global order (lockAll), lets each send decide under the locks (the stranger
// rule's count, a group's members), inserts every message in one multi-row INSERT, appends every
// inbox entry in one pipeline (a group's fan-out in one appendMany each), commits once and
// publishes after the commit. A 200 still means committed and queued: each send's promise
// settles after its batch's commit. A send refused under the locks (an ApiError) fails alone; a
// batch failing as a whole (a lock timeout, a deadlock) is retried one send per transaction, one
// after the other (GroupCommit), so only the send that fails on its own fails. Two batches of a
// process never hold the same conversation (GroupCommit keyOf): they do not wait for each other.
import type { Application } from 'egg';
import { isUnavailable, retryOnLockConflict } from '../dependencyErrors';
import { ApiError, ServiceUnavailableError } from '../errors';
import { GroupCommit, GroupCommitOptions, Outcome } from '../groupCommit';
import { messagesStored } from '../metrics/registry';
import { PooledTransaction, pooledTransaction } from '../pooledQuery';
import { MessageObject, messageObject } from './messageView';
import type { AppendRequest, QueuedEntry } from '../../realtime/broker';
import { ConversationRow, NewMessage, nextMessage, pairOf } from '../../repository/messages';

/** A send's conversation: a pair's (`create`: the send's read found none, it is inserted first) or a group's. */
export type SendTarget = { pair: [ number, number ]; create: boolean } | { group: number };

/** A read shared by the sends of one batch (e.g. a group's members, read once under its lock for all its sends). */
export type Shared = <V>(key: string, read: () => Promise<V>) => Promise<V>;

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
   * Whatever it reads runs while the batch holds its locks: keep it short, share it (`shared`).
   */
  prepare(conversation: ConversationRow, transaction: PooledTransaction, shared: Shared): Promise<PreparedSend>;
}

const keyOf = (target: SendTarget) => ('group' in target ? `g${target.group}` : `p${pairOf(...target.pair).join(':')}`);

/** The batch's commit failed: it may have been applied or not, so its sends are neither answered 200 nor run again. */
class CommitUnknown extends ServiceUnavailableError {}

export class SendBatcher {
  private readonly commits: GroupCommit<SendJob, MessageObject>;

  constructor(private readonly app: Application, options: GroupCommitOptions) {
    // A lone send keeps the one retry on a lock conflict that every transaction of the app has.
    this.commits = new GroupCommit(jobs => (jobs.length === 1 ? retryOnLockConflict(() => this.store(jobs)) : this.store(jobs)), options, {
      keyOf: job => keyOf(job.target),
      // Worth a run alone: a lock conflict, or an error of one statement; not an outage or a
      // timeout (each send alone would wait as long again), nor a commit that may have happened.
      retryAlone: err => !(err instanceof ApiError) && !isUnavailable(err),
    });
  }

  /** Stores the message once its batch commits; rejects with the send's own error. */
  send(job: SendJob): Promise<MessageObject> {
    return this.commits.submit(job);
  }

  private async store(jobs: SendJob[]): Promise<Array<Outcome<MessageObject>>> {
    const { broker, repos } = this.app;
    // New pairs' rows first, outside the transaction: a row inserted inside it would be locked
    // by its insert, out of the one order lockAll() locks in.
    await repos.messages.saveConversations(jobs.flatMap(({ target }) => ('pair' in target && target.create ? [ target.pair ] : [])));
    let decided = false;
    try {
      const { outcomes, announced, stored } = await pooledTransaction(this.app.model, async transaction => {
        const locked = await this.lockAll(jobs, transaction);
        const reads = new Map<string, Promise<unknown>>();
        const shared: Shared = <V>(key: string, read: () => Promise<V>) => {
          if (!reads.has(key)) reads.set(key, read());
          return reads.get(key) as Promise<V>;
        };
        const outcomes: Array<Outcome<MessageObject>> = new Array(jobs.length);
        const kept: Array<{ index: number; prepared: PreparedSend; row: NewMessage }> = [];
        for (const [ index, job ] of jobs.entries()) {
          const conversation = locked.get(keyOf(job.target))!;
          try {
            const prepared = await job.prepare(conversation, transaction, shared);
            kept.push({ index, prepared, row: nextMessage(conversation, prepared.message) });
          } catch (err) {
            if (!(err instanceof ApiError)) throw err;
            outcomes[index] = { ok: false, error: err };
          }
        }
        if (!kept.length) return { outcomes, announced: [], stored: 0 };
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
        kept.forEach(({ index }, i) => { outcomes[index] = { ok: true, value: messages[i] }; });
        decided = true;
        return { outcomes, announced: [ ...queued, ...fanned.flat() ], stored: rows.length };
      });
      // Committed: published, then each send answered.
      if (stored) {
        await broker.announce(announced);
        messagesStored.inc(stored);
      }
      return outcomes;
    } catch (err) {
      // Everything before the COMMIT rolls back on failure; a failed COMMIT leaves it unknown.
      if (decided) throw new CommitUnknown();
      throw err;
    }
  }

  /**
   * Every conversation of the batch, locked in the one global order of every transaction that
   * locks more than one: the pairs by (user_a, user_b) in one statement, then the groups by id in
   * one statement (app/repository/messages.ts). The order does not depend on what the sends'
   * reads found, so two batches (of two processes) never wait for each other in a cycle; every
   * other transaction locks a single conversation. A row still missing here is inserted under
   * the transaction's lock: a group's conversation before its first entry (the group's creation
   * stores one, so this is rare), a pair's never in practice (store() inserted the new ones and
   * nothing deletes a conversation).
   */
  private async lockAll(jobs: SendJob[], transaction: PooledTransaction): Promise<Map<string, ConversationRow>> {
    const store = this.app.repos.messages;
    const pairs = new Map<string, [ number, number ]>();
    const groups = new Set<number>();
    for (const { target } of jobs) {
      if ('group' in target) groups.add(target.group);
      else pairs.set(keyOf(target), pairOf(...target.pair));
    }
    const locked = new Map<string, ConversationRow>();
    const lockPairs = async (wanted: Array<[ number, number ]>) => {
      for (const row of await store.lockPairConversations(wanted, transaction)) locked.set(`p${row.user_a}:${row.user_b}`, row);
    };
    const lockGroups = async (wanted: number[]) => {
      for (const row of await store.lockGroupConversations(wanted, transaction)) locked.set(`g${row.group_id}`, row);
    };
    await lockPairs([ ...pairs.values() ]);
    const missingPairs = [ ...pairs.entries() ].filter(([ key ]) => !locked.has(key)).map(([ , pair ]) => pair);
    if (missingPairs.length) {
      await store.saveConversations(missingPairs, transaction);
      await lockPairs(missingPairs);
    }
    await lockGroups([ ...groups ]);
    for (const group of [ ...groups ].sort((x, y) => x - y)) {
      if (locked.has(`g${group}`)) continue;
      await store.saveGroupConversation(group, transaction);
      await lockGroups([ group ]);
    }
    return locked;
  }
}
