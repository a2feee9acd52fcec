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
 * - Errors are isolated: `run` answers each item (its value or its own error); when `run` fails
 *   as a whole on a batch of several, each item is run again alone, so only the item that fails
 *   on its own fails.
 */
export type Outcome<R> = { ok: true; value: R } | { ok: false; error: unknown };

export interface GroupCommitOptions {
  maxSize: number;
  maxInFlight: number;
  maxWaitMs: number;
}

interface Waiter<T, R> {
  item: T;
  resolve(value: R): void;
  reject(err: unknown): void;
}

export class GroupCommit<T, R> {
  private queue: Array<Waiter<T, R>> = [];
  private inFlight = 0;
  private scheduled = false;
  private timer?: NodeJS.Timeout;

  /** `run` answers the items in the order given; it throws only when the whole batch failed. */
  constructor(private readonly run: (items: T[]) => Promise<Array<Outcome<R>>>, private readonly options: GroupCommitOptions) {}

  /** Batches running now (for tests and the bench's profile). */
  get running(): number {
    return this.inFlight;
  }

  submit(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
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
    while (this.queue.length && this.inFlight < this.options.maxInFlight) this.start();
    if (this.queue.length && !this.timer) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        if (this.queue.length) this.start(); // waited long enough: goes beside the batches in flight
        this.pump();
      }, this.options.maxWaitMs);
    } else if (!this.queue.length && this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
  }

  private start() {
    const batch = this.queue.splice(0, this.options.maxSize);
    this.inFlight++;
    this.settle(batch).finally(() => {
      this.inFlight--;
      this.pump();
    });
  }

  private async settle(batch: Array<Waiter<T, R>>): Promise<void> {
    let outcomes: Array<Outcome<R>>;
    try {
      outcomes = await this.attempt(batch.map(waiter => waiter.item));
    } catch (err) {
      if (batch.length === 1) {
        batch[0].reject(err);
        return;
      }
      // The batch failed as a whole (a lock timeout, a deadlock…): each item alone.
      await Promise.all(batch.map(waiter => this.settle([ waiter ])));
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
