import { Application } from 'egg';
import { AdminAuthOptions } from '../middleware/adminAuth';

// CONTRACT-admin §4: the operator console. Every path but the login page and the assets needs an
// admin session (middleware adminAuth: session, CSRF on POST, 2FA enrollment, role); POSTs name
// their audit action so a refusal is recorded under it.
export default (app: Application) => {
  const { router, controller } = app;
  const a = controller.admin;
  const auth = (options: AdminAuthOptions) => app.middleware.adminAuth(options);
  const viewer = auth({ role: 'viewer' });

  router.get('/admin/assets/:name', a.assets.show);
  router.get('/admin/login', a.session.form);
  router.post('/admin/login', a.session.login);
  router.post('/admin/logout', viewer, a.session.logout);

  router.get('/admin', viewer, a.dashboard.show);
  router.get('/admin/me/2fa', viewer, a.me.twoFaForm);
  router.post('/admin/me/2fa', auth({ role: 'viewer', action: '2fa.enroll', targetType: 'admin' }), a.me.twoFa);

  router.get('/admin/users', viewer, a.users.index);
  router.get('/admin/users/:id', viewer, a.users.show);
  router.post('/admin/users', auth({ role: 'operator', action: 'user.create', targetType: 'user' }), a.users.create);
  const userAction = (name: 'disable' | 'enable' | 'logout' | 'password' | 'delete' | 'restore') =>
    router.post(`/admin/users/:id/${name}`, auth({ role: 'operator', action: `user.${name}`, targetType: 'user' }), a.users[name]);
  [ 'disable', 'enable', 'logout', 'password', 'delete', 'restore' ].forEach(name => userAction(name as Parameters<typeof userAction>[0]));

  // Read-only until the groups domain has its ban/unban/dismiss/transfer use cases for the console to call.
  router.get('/admin/groups', viewer, a.groups.index);
  router.get('/admin/groups/:id', viewer, a.groups.show);

  router.get('/admin/audit', viewer, a.audit.index);

  router.get('/admin/admins', auth({ role: 'super' }), a.admins.index);
  router.post('/admin/admins', auth({ role: 'super', action: 'admin.create', targetType: 'admin' }), a.admins.create);
  router.post('/admin/admins/:id/disable', auth({ role: 'super', action: 'admin.disable', targetType: 'admin' }), a.admins.disable);
  router.post('/admin/admins/:id/enable', auth({ role: 'super', action: 'admin.enable', targetType: 'admin' }), a.admins.enable);
  router.post('/admin/admins/:id/role', auth({ role: 'super', action: 'admin.role', targetType: 'admin' }), a.admins.role);
  router.post('/admin/admins/:id/2fa/reset', auth({ role: 'super', action: 'admin.2fa_reset', targetType: 'admin' }), a.admins.resetTwoFa);
};
