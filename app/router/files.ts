import { Application } from 'egg';

// Files: uploads (users and visitors alike), video screenshots, and the local driver's files.
export default (app: Application) => {
  const { router, controller, middleware } = app;
  const auth = middleware.auth();

  router.post('/api/chat/uploadStreamSingleToServerDiy/:diydir', auth, controller.files.upload.diy);
  router.post('/api/chat/uploadAliyun', auth, controller.files.upload.aliyun);
  router.post('/api/chat/getVideoScreenshot', auth, controller.files.screenshot.create);
  // GET routes answer HEAD too. Any other key, method or driver: the 404 envelope.
  router.get('/public/uploads/:key(.*)', controller.files.serve.show);
};
