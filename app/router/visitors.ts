import { Application } from 'egg';

// Visitor mode: the app's first launch (and every logout) enters as the device's visitor, which
// may later register in place or log in. No token: the X-Security-Sign header instead.
export default (app: Application) => {
  const { router, controller } = app;
  router.post('/api/visitorRegister', controller.visitors.visitor.register);
  router.post('/api/visitorregChat', controller.visitors.visitor.registerUser);
  router.post('/api/visitorloginChat', controller.visitors.visitor.login);
};
