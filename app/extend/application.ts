import { Application } from 'egg';
import { Repositories } from '../repository';
import { Broker } from '../realtime/broker';
import { RedisBroker } from '../realtime/redisBroker';
import { SendBatcher } from '../lib/messaging/sendBatch';

const REPOS = Symbol('repos');
const BROKER = Symbol('broker');
const SEND_BATCHER = Symbol('sendBatcher');

export default {
  /** The repositories of this process, created on first use (app/repository/index.ts). */
  get repos(): Repositories {
    const app = this as unknown as Application & { [REPOS]?: Repositories };
    return (app[REPOS] ??= new Repositories(app.model));
  },

  /** The broker of this process, created on first use (app/realtime/broker.ts): services publish here, the hub listens. */
  get broker(): Broker {
    const app = this as unknown as Application & { [BROKER]?: Broker };
    return (app[BROKER] ??= new RedisBroker(app));
  },

  /** The send path's group commit of this process (app/lib/messaging/sendBatch.ts). */
  get sendBatcher(): SendBatcher {
    const app = this as unknown as Application & { [SEND_BATCHER]?: SendBatcher };
    const { sendBatchMax, sendBatchInFlight, sendBatchWaitMs } = app.config.im.messaging;
    return (app[SEND_BATCHER] ??= new SendBatcher(app, { maxSize: sendBatchMax, maxInFlight: sendBatchInFlight, maxWaitMs: sendBatchWaitMs }));
  },
};
