import { Application } from 'egg';

// Messaging: the WebSocket endpoint (/ws, attached in app.ts), sending, revoking, catch-up and
// history, and befriending from the chat page. Every route is open to visitors.
export default (app: Application) => {
  const { router, controller, middleware } = app;
  const auth = middleware.auth();

  router.get('/ws', controller.messaging.socket.withoutUpgrade);
  // Its own body parser (64 KB) before auth, as Egg's (16 KB) is for the other routes.
  router.post('/api/chat/socket/sendmessage', middleware.messageBody({}, app), auth, controller.messaging.chat.send);
  router.post('/api/chat/chatGetmessageOffLine', auth, controller.messaging.chat.offline);
  router.post('/api/chat/revokeMessage', auth, controller.messaging.chat.revoke);
  router.get('/api/chat/history/:user_id', auth, controller.messaging.chat.history);
  router.post('/api/chat/autoAddFriendAndAgree', auth, controller.messaging.chat.autoAddFriend);
};
