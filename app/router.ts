import { Application } from 'egg';

// CONTRACT: routes. Everything under /api/chat needs a live session.
export default (app: Application) => {
  const { router, controller, middleware } = app;
  const auth = middleware.auth();

  router.get('/api/health', controller.health.show);
  router.post('/api/regChat', controller.user.register);
  router.post('/api/loginChat', controller.user.login);
  router.post('/api/chat/logout', auth, controller.chat.logout);
  router.post('/api/chat/searchUser', auth, controller.chat.searchUser);
};
