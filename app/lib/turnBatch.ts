/**
 * Collects the lookups asked for during one turn of the event loop and answers them with one
 * batched call at its end (setImmediate), so a busy worker makes one round trip and one socket
 * write per turn instead of one per request. Each lookup is still sent after it was asked for:
 * nothing is cached. Equal keys share one answer; a failed call fails every lookup of its batch.
 */
export class TurnBatch<K, V> {
  private pending = new Map<K, Array<{ resolve(value: V): void; reject(err: unknown): void }>>();

  /** `run` answers the keys in the order given. */
  constructor(private readonly run: (keys: K[]) => Promise<V[]>) {}

  get(key: K): Promise<V> {
    return new Promise((resolve, reject) => {
      if (this.pending.size === 0) setImmediate(() => this.flush());
      const waiters = this.pending.get(key);
      if (waiters) waiters.push({ resolve, reject });
      else this.pending.set(key, [{ resolve, reject }]);
    });
  }

  private flush() {
    const batch = this.pending;
    this.pending = new Map();
    const keys = [ ...batch.keys() ];
    // A synchronous throw must fail the batch too, never leave its lookups waiting.
    new Promise<V[]>(resolve => resolve(this.run(keys))).then(values => {
      keys.forEach((key, i) => { for (const waiter of batch.get(key)!) waiter.resolve(values[i]); });
    }, err => {
      for (const waiters of batch.values()) for (const waiter of waiters) waiter.reject(err);
    });
  }
}
