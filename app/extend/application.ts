import { Application } from 'egg';
import { Repositories } from '../repository';

const REPOS = Symbol('repos');

export default {
  /** The repositories of this process, created on first use (app/repository/index.ts). */
  get repos(): Repositories {
    const app = this as unknown as Application & { [REPOS]?: Repositories };
    return (app[REPOS] ??= new Repositories(app.model));
  },
};
