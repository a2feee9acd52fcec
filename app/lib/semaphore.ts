// A counting semaphore with a bounded queue, for work that must not take more than its share of
// a process's resources (scrypt on libuv's thread pool). Limits are passed on each acquire, so a
// changed configuration applies at once.

export interface SlotLimits {
  /** Jobs running at once. */
  maxInFlight: number;
  /** Jobs waiting for a slot; one more is refused. */
  maxQueued: number;
}

export class Semaphore {
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  get inFlight(): number {
    return this.running;
  }

  get queued(): number {
    return this.waiting.length;
  }

  /** A release function once a slot is free, or undefined at once when the queue is full too. */
  acquire({ maxInFlight, maxQueued }: SlotLimits): Promise<() => void> | undefined {
    if (this.running < maxInFlight && this.waiting.length === 0) {
      this.running++;
      return Promise.resolve(this.releaser());
    }
    if (this.waiting.length >= maxQueued) return undefined;
    // The slot passes straight from the releasing job to the first waiter (running stays counted).
    return new Promise(resolve => this.waiting.push(() => resolve(this.releaser())));
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    };
  }
}
