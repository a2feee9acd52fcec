// One repository per group of tables (docs: architecture "Repositories"): the only modules that
// hold SQL. Created once per process (app.repos, app/extend/application.ts) and shared by the
// services and the real-time layer; none holds request state.
import type { Sequelize } from 'sequelize';
import { UserRepository } from './users';
import { MessageRepository } from './messages';

export class Repositories {
  readonly users: UserRepository;
  readonly messages: MessageRepository;

  constructor(sequelize: Sequelize) {
    this.users = new UserRepository(sequelize);
    this.messages = new MessageRepository(sequelize);
  }
}
