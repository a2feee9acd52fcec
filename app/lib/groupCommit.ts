/**
 * Group commit (the send path, docs/performance.md): units of work submitted while a batch is in
 * flight share the next batch, so many sends pay one transaction, one commit and one round trip
 * each to MySQL and Redis.
 *
 * - A lone item starts at the end of the current turn of the event loop (setImmediate): no timer,
 *   no wait for company.
 * - At most `maxInFlight` batches run at once; what arrives meanwhile queues for the next one.
 * - A batch holds at most `maxSize` items.
 * - An item never waits more than `maxWaitMs` for the batches in flight: then its batch starts
 *   anyway (a batch stuck behind a lock must not hold every other send of the process).
 * - With `keyOf` (a send's conversation), an item never joins a batch while an earlier batch
 *   with its key is in flight, and never overtakes an earlier queued item of its key: the
 *   batches of one process never wait for each other's locks, and the items of one key run in
 *   arrival order.
 * - Errors are isolated: `run` answers each item (its value or its own error). When `run` fails
 *   as a whole on a batch of several and `retryAlone(error)` allows it, the items run again one
 *   at a time, one after the other (a failed batch does not turn into `maxSize` transactions at
 *   once), so only the item that fails on its own fails; otherwise every item gets the error.
 */
export type Outcome<R> = { ok: true; value: R } | { ok: false; error: unknown };

export interface GroupCommitOptions {
  maxSize: number;
  maxInFlight: number;
  maxWaitMs: number;
}

export interface GroupCommitRules<T> {
  /** What an item locks (e.g. its conversation): items of one key never run in two batches at once. */
  keyOf?: (item: T) => string;
  /** Whether a batch that failed as a whole is worth running again one item at a time (default: always). */
  retryAlone?: (error: unknown) => boolean;
}

interface Waiter<T, R> {
  item: T;
  key?: string;
  resolve(value: R): void;
  reject(err: unknown): void;
}

export class GroupCommit<T, R> {
  private queue: Array<Waiter<T, R>> = [];
  private inFlight = 0;
  /** The keys of the batches in flight, with how many of their items hold each. */
  private readonly busy = new Map<string, number>();
  private scheduled = false;
  private timer?: NodeJS.Timeout;

  /** `run` answers the items in the order given; it throws only when the whole batch failed. */
  constructor(
    private readonly run: (items: T[]) => Promise<Array<Outcome<R>>>,
    private readonly options: GroupCommitOptions,
    private readonly rules: GroupCommitRules<T> = {},
  ) {}

  /** Batches running now (for tests and the bench's profile). */
  get running(): number {
    return this.inFlight;
  }

  submit(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ item, key: this.rules.keyOf?.(item), resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => {
          this.scheduled = false;
          this.pump();
        });
      }
    });
  }

  private pump() {
    while (this.inFlight < this.options.maxInFlight && this.start()) { /* started a batch */ }
    if (this.startable() && !this.timer) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.start(); // waited long enough: goes beside the batches in flight
        this.pump();
      }, this.options.maxWaitMs);
    } else if (!this.startable() && this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
  }

  /**
   * The queued items that may start now, in arrival order, at most maxSize: not of a key in
   * flight, nor of the key of an earlier item left in the queue.
   */
  private pick(limit: number): number[] {
    const picked: number[] = [];
    const blocked = new Set<string>();
    for (let i = 0; i < this.queue.length && picked.length < limit; i++) {
      const { key } = this.queue[i];
      if (key === undefined) {
        picked.push(i);
      } else if (this.busy.has(key) || blocked.has(key)) {
        blocked.add(key);
      } else {
        picked.push(i);
      }
    }
    return picked;
  }

  private startable(): boolean {
    return this.pick(1).length > 0;
  }

  /** Starts a batch of what may start; false when nothing may. */
  private start(): boolean {
    const picked = this.pick(this.options.maxSize);
    if (!picked.length) return false;
    const taken = new Set(picked);
    const batch = picked.map(i => this.queue[i]);
    this.queue = this.queue.filter((_, i) => !taken.has(i));
    for (const { key } of batch) if (key !== undefined) this.busy.set(key, (this.busy.get(key) ?? 0) + 1);
    this.inFlight++;
    this.settle(batch).finally(() => {
      for (const { key } of batch) {
        if (key === undefined) continue;
        const left = this.busy.get(key)! - 1;
        if (left) this.busy.set(key, left);
        else this.busy.delete(key);
      }
      this.inFlight--;
      this.pump();
    });
    return true;
  }

  private async settle(batch: Array<Waiter<T, R>>): Promise<void> {
    let outcomes: Array<Outcome<R>>;
    try {
      outcomes = await this.attempt(batch.map(waiter => waiter.item));
    } catch (err) {
      if (batch.length > 1 && (this.rules.retryAlone?.(err) ?? true)) {
        // The batch failed as a whole (a lock timeout, a deadlock…): each item alone, in order.
        for (const waiter of batch) await this.settle([ waiter ]);
      } else {
        for (const waiter of batch) waiter.reject(err);
      }
      return;
    }
    batch.forEach((waiter, i) => {
      const outcome = outcomes[i];
      if (outcome.ok) waiter.resolve(outcome.value);
      else waiter.reject(outcome.error);
    });
  }

  /** `run`, with a synchronous throw turned into a failed batch. */
  private attempt(items: T[]): Promise<Array<Outcome<R>>> {
    return new Promise<Array<Outcome<R>>>(resolve => resolve(this.run(items)));
  }
}
