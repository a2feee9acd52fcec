// A counting semaphore with a bounded, fair queue, for work that must not take more than its
// share of a process's resources (scrypt on libuv's thread pool). Limits are passed on each
// acquire, so a changed configuration applies at once.
//
// Fair: waiting jobs are kept per owner (a client address) and served round-robin across owners,
// and when the queue is full a newcomer takes the place of the newest waiter of the owner with
// the most waiting (who is refused), unless the newcomer's owner would then wait as much. So a
// burst from one client neither fills the queue nor makes the others wait behind all of it.

export interface SlotLimits {
  /** Jobs running at once. */
  maxInFlight: number;
  /** Jobs waiting for a slot, all owners together. */
  maxQueued: number;
}

/** A job's slot: call it when the job ends. */
export type Release = () => void;

type Grant = (release: Release | undefined) => void;

export class Semaphore {
  private running = 0;
  /** Waiting jobs per owner; the Map's order is the round-robin order. */
  private readonly queues = new Map<string, Grant[]>();
  private waiting = 0;

  get inFlight(): number {
    return this.running;
  }

  get queued(): number {
    return this.waiting;
  }

  /** Jobs of `owner` waiting now. */
  queuedFor(owner: string): number {
    return this.queues.get(owner)?.length ?? 0;
  }

  /**
   * Resolves to a release function once a slot is free, or to undefined when the job is refused:
   * at once when the queue is full of the caller's owner's jobs, or later when a job of an owner
   * with fewer waiting takes its place.
   */
  acquire({ maxInFlight, maxQueued }: SlotLimits, owner = ''): Promise<Release | undefined> {
    if (this.running < maxInFlight && this.waiting === 0) {
      this.running++;
      return Promise.resolve(this.releaser());
    }
    if (this.waiting >= maxQueued && !this.makeRoomFor(owner)) return Promise.resolve(undefined);
    return new Promise(grant => {
      const queue = this.queues.get(owner) ?? [];
      queue.push(grant);
      this.queues.set(owner, queue);
      this.waiting++;
    });
  }

  /** Refuses the newest waiter of the owner with the most waiting, if it has more than `owner` would. */
  private makeRoomFor(owner: string): boolean {
    let busiest: string | undefined;
    for (const [ name, queue ] of this.queues) {
      if (busiest === undefined || queue.length > this.queuedFor(busiest)) busiest = name;
    }
    if (busiest === undefined || this.queuedFor(busiest) <= this.queuedFor(owner) + 1) return false;
    const refused = this.queues.get(busiest)!.pop()!;
    this.waiting--;
    refused(undefined);
    return true;
  }

  /** The next waiter, round-robin across owners. */
  private next(): Grant | undefined {
    for (const [ owner, queue ] of this.queues) {
      const grant = queue.shift()!;
      this.queues.delete(owner);
      if (queue.length) this.queues.set(owner, queue); // to the end of the round
      this.waiting--;
      return grant;
    }
    return undefined;
  }

  private releaser(): Release {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      // The slot passes straight from the releasing job to the next waiter (running stays counted).
      const next = this.next();
      if (next) next(this.releaser());
      else this.running--;
    };
  }
}
