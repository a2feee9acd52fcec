import { Application, Context } from 'egg';
import { AdminAuthOptions } from '../middleware/adminAuth';

// CONTRACT-admin §4: the operator console. Every path but the login page and the assets needs an
// admin session (middleware adminAuth: session, CSRF on POST, 2FA enrollment, role); POSTs name
// their audit action so a refusal is recorded under it (a refused page read is `page.view`).
export default (app: Application) => {
  const { router, controller } = app;
  const a = controller.admin;
  const auth = (options: AdminAuthOptions) => app.middleware.adminAuth(options);
  const viewer = auth({ role: 'viewer' });

  router.get('/admin/assets/:name', a.assets.show);
  router.get('/admin/login', a.session.form);
  router.post('/admin/login', a.session.login);
  router.post('/admin/logout', auth({ role: 'viewer', action: 'logout', targetType: 'admin', self: true }), a.session.logout);

  router.get('/admin', viewer, a.dashboard.show);
  router.get('/admin/me/2fa', viewer, a.me.twoFaForm);
  // One route enrolls and removes: a refusal is logged as what the form attempted.
  const twoFaAction = (ctx: Context) => ((ctx.request.body as Record<string, unknown> | undefined)?.action === 'remove' ? '2fa.remove' : '2fa.enroll');
  router.post('/admin/me/2fa', auth({ role: 'viewer', action: twoFaAction, targetType: 'admin', self: true }), a.me.twoFa);
  router.post('/admin/me/password', auth({ role: 'viewer', action: 'admin.password', targetType: 'admin', self: true }), a.me.password);

  router.get('/admin/users', viewer, a.users.index);
  router.get('/admin/users/:id', viewer, a.users.show);
  router.post('/admin/users', auth({ role: 'operator', action: 'user.create', targetType: 'user' }), a.users.create);
  const userAction = (name: 'disable' | 'enable' | 'logout' | 'password' | 'delete' | 'restore') =>
    router.post(`/admin/users/:id/${name}`, auth({ role: 'operator', action: `user.${name}`, targetType: 'user' }), a.users[name]);
  [ 'disable', 'enable', 'logout', 'password', 'delete', 'restore' ].forEach(name => userAction(name as Parameters<typeof userAction>[0]));

  router.get('/admin/groups', viewer, a.groups.index);
  router.get('/admin/groups/:id', viewer, a.groups.show);
  // The groups domain's own use cases, as an operator (app/service/groups/group.ts).
  const groupAction = (name: 'ban' | 'unban' | 'dismiss' | 'transfer') =>
    router.post(`/admin/groups/:id/${name}`, auth({ role: 'operator', action: `group.${name}`, targetType: 'group' }), a.groups[name]);
  [ 'ban', 'unban', 'dismiss', 'transfer' ].forEach(name => groupAction(name as Parameters<typeof groupAction>[0]));

  router.get('/admin/audit', viewer, a.audit.index);

  router.get('/admin/admins', auth({ role: 'super' }), a.admins.index);
  router.post('/admin/admins', auth({ role: 'super', action: 'admin.create', targetType: 'admin' }), a.admins.create);
  router.post('/admin/admins/:id/disable', auth({ role: 'super', action: 'admin.disable', targetType: 'admin' }), a.admins.disable);
  router.post('/admin/admins/:id/enable', auth({ role: 'super', action: 'admin.enable', targetType: 'admin' }), a.admins.enable);
  router.post('/admin/admins/:id/role', auth({ role: 'super', action: 'admin.role', targetType: 'admin' }), a.admins.role);
  router.post('/admin/admins/:id/2fa/reset', auth({ role: 'super', action: 'admin.2fa_reset', targetType: 'admin' }), a.admins.resetTwoFa);
};
