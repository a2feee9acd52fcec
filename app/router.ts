import { Application } from 'egg';
import account from './router/account';
import visitors from './router/visitors';
import messaging from './router/messaging';
import friends from './router/friends';
import files from './router/files';
import groups from './router/groups';
import admin from './router/admin';

// CONTRACT: routes, one file per domain under app/router/. Everything under /api/chat needs a
// live session (middleware `auth`); routes closed to visitors add `usersOnly` after it.
export default (app: Application) => {
  app.router.get('/api/health', app.controller.health.show);
  // Prometheus scrapes, for allowed addresses or a token only (README "Metrics").
  app.router.get('/metrics', app.controller.metrics.show);
  account(app);
  visitors(app);
  messaging(app);
  friends(app);
  files(app);
  groups(app);
  admin(app);
};
