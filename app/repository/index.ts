// One repository per group of tables (docs: architecture "Repositories"): the only modules that
// hold SQL. Created once per process (app.repos, app/extend/application.ts) and shared by the
// services and the real-time layer; none holds request state.
import type { Sequelize } from 'sequelize';
import { AdminRepository } from './admin';
import { FileRepository } from './files';
import { FriendRepository } from './friends';
import { GroupRepository } from './groups';
import { MessageRepository } from './messages';
import { SearchRepository } from './search';
import { UserRepository } from './users';
import { VisitorRepository } from './visitors';

export class Repositories {
  readonly users: UserRepository;
  readonly search: SearchRepository;
  readonly friends: FriendRepository;
  readonly messages: MessageRepository;
  readonly visitors: VisitorRepository;
  readonly files: FileRepository;
  readonly groups: GroupRepository;
  readonly admin: AdminRepository;

  constructor(sequelize: Sequelize) {
    this.users = new UserRepository(sequelize);
    this.search = new SearchRepository(sequelize);
    this.friends = new FriendRepository(sequelize);
    this.messages = new MessageRepository(sequelize);
    this.visitors = new VisitorRepository(sequelize);
    this.files = new FileRepository(sequelize);
    this.groups = new GroupRepository(sequelize);
    this.admin = new AdminRepository(sequelize);
  }
}
