// Redis commands of one turn of the event loop in one pipeline: one socket write and one read
// for all of them (README "Performance"), on the hot paths' per-request commands (the session
// check's ZSCORE, sendmessage's rate-limit script and session count). Unlike TurnBatch
// (app/lib/turnBatch.ts), equal commands are not merged: each is sent and answered on its own
// (a rate-limit take counts every call). A lone command, and every command on a Redis Cluster
// (whose pipelines must stay within one slot), is sent plainly. A command is sent at the end of
// the turn it was asked for in: nothing is cached or delayed beyond that turn.
import type { Redis } from 'ioredis';

interface Queued {
  name: string;
  args: unknown[];
  resolve(value: unknown): void;
  reject(err: unknown): void;
}

type Commands = Record<string, (...args: unknown[]) => Promise<unknown>>;

class TurnPipeline {
  private queued: Queued[] = [];

  constructor(private readonly redis: Redis) {}

  send(name: string, args: unknown[]): Promise<unknown> {
    return new Promise((resolve, reject) => {
      if (!this.queued.length) setImmediate(() => this.flush());
      this.queued.push({ name, args, resolve, reject });
    });
  }

  private flush() {
    const batch = this.queued;
    this.queued = [];
    const { redis } = this;
    if (batch.length === 1 || (redis as { isCluster?: boolean }).isCluster) {
      for (const command of batch) {
        // A synchronous throw (a closed client) fails the command, never leaves it waiting.
        new Promise(resolve => resolve((redis as unknown as Commands)[command.name](...command.args))).then(command.resolve, command.reject);
      }
      return;
    }
    new Promise<Array<[ Error | null, unknown ]>>(resolve => {
      const pipeline = redis.pipeline() as unknown as Commands & { exec(): Promise<Array<[ Error | null, unknown ]> | null> };
      for (const { name, args } of batch) pipeline[name](...args);
      resolve(pipeline.exec().then(results => results ?? []));
    }).then(results => batch.forEach((command, i) => {
      const [ err, value ] = results[i] ?? [ new Error('no reply in the pipeline'), null ];
      if (err) command.reject(err);
      else command.resolve(value);
    }), err => {
      for (const command of batch) command.reject(err);
    });
  }
}

const pipelines = new WeakMap<Redis, TurnPipeline>();

/** `redis[name](...args)` (a built-in command, or a script defined with defineCommand), sent with the others of this turn. */
export function turnCommand<T>(redis: Redis, name: string, ...args: Array<string | number>): Promise<T> {
  let pipeline = pipelines.get(redis);
  if (!pipeline) pipelines.set(redis, pipeline = new TurnPipeline(redis));
  return pipeline.send(name, args) as Promise<T>;
}
