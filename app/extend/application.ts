import { Application } from 'egg';
import { Repositories } from '../repository';
import { Broker } from '../realtime/broker';
import { RedisBroker } from '../realtime/redisBroker';

const REPOS = Symbol('repos');
const BROKER = Symbol('broker');

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
};
