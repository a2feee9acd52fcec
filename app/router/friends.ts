import { Application } from 'egg';

// Friends: applications, the friend list and its flags, profiles and chat settings. Visitors
// may apply, check and delete friendships and edit their own settings; the rest is usersOnly.
export default (app: Application) => {
  const { router, controller, middleware } = app;
  const { application, friend, profile } = controller.friends;
  const auth = middleware.auth();
  const usersOnly = middleware.usersOnly();

  router.post('/api/chat/applyfriend', auth, application.apply);
  router.get('/api/chat/listapplyfriend/:page?', auth, usersOnly, application.list);
  router.post('/api/chat/handleapply/:id', auth, usersOnly, application.handle);
  router.post('/api/chat/isApplyfriend/:uuid', auth, usersOnly, application.pending);

  router.get('/api/chat/goodfriendlist/:page?', auth, usersOnly, friend.list);
  router.get('/api/chat/getgoodfriendinfo/:id', auth, usersOnly, friend.info);
  router.post('/api/chat/setblackgoodfriend/:id', auth, usersOnly, friend.setBlack);
  router.post('/api/chat/setstargoodfriend/:id', auth, usersOnly, friend.setStar);
  router.post('/api/chat/setmeOrfriendCanSee/:id', auth, usersOnly, friend.setVisibility);
  router.post('/api/chat/ismygoodfriend/:id', auth, friend.mine);
  router.post('/api/chat/deletegoodfriend/:id', auth, friend.remove);

  router.get('/api/userinfo/:uuid', profile.show);
  router.post('/api/chat/userset', auth, profile.userset);
  router.post('/api/chat/updateUserinfo', auth, profile.update);
  router.post('/api/chat/getUserSetInfo', auth, profile.settings);
};
