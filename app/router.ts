import { Application } from 'egg';
import account from './router/account';
import files from './router/files';

// CONTRACT: routes, one file per domain under app/router/. Everything under /api/chat needs a
// live session (middleware `auth`); routes closed to visitors add `usersOnly` after it.
export default (app: Application) => {
  app.router.get('/api/health', app.controller.health.show);
  account(app);
  files(app);
};
