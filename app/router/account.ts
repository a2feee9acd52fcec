import { Application } from 'egg';

// Accounts: register, log in, log out, search users.
export default (app: Application) => {
  const { router, controller, middleware } = app;
  const auth = middleware.auth();
  const usersOnly = middleware.usersOnly();

  router.post('/api/regChat', controller.account.user.register);
  router.post('/api/loginChat', controller.account.user.login);
  router.post('/api/chat/logout', auth, controller.account.session.logout);
  router.post('/api/chat/searchUser', auth, usersOnly, controller.account.search.users);
};
