import { Application } from 'egg';

// Groups (CONTRACT-groups §A; docs/api/groups.md). Visitors may list and read their groups, set
// their nickname, leave, draw QR codes and join by themselves (the invite's own gate); the rest
// is usersOnly. groupQrcode alone also takes `?token=` (an <image src> sends no header).
export default (app: Application) => {
  const { router, controller, middleware } = app;
  const { group, membership, qrcode } = controller.groups;
  const auth = middleware.auth();
  const usersOnly = middleware.usersOnly();

  router.post('/api/chat/group/create', auth, usersOnly, group.create);
  router.get('/api/chat/grouplist/:page?', auth, group.list);
  router.get('/api/chat/groupinfo/:id', auth, group.info);
  router.post('/api/chat/groupUpdateName', auth, usersOnly, group.rename);
  router.post('/api/chat/groupremark', auth, usersOnly, group.remark);
  router.post('/api/chat/groupnickname', auth, group.nickname);
  router.post('/api/chat/groupDeleteOrQuit', auth, group.quit);
  router.get('/api/chat/groupQrcode/:id', middleware.auth({ queryToken: true }), qrcode.show);
  router.post('/api/chat/groupDeleteUser', auth, usersOnly, membership.remove);
  router.post('/api/chat/groupInviteUser', auth, membership.invite);
  router.post('/api/chat/groupAddUserSet', auth, usersOnly, group.setInviteConfirm);
  router.post('/api/chat/groupAgreeOrNo', auth, usersOnly, membership.decide);
  router.post('/api/chat/groupTransfer', auth, usersOnly, group.transfer);
};
