import { Server } from 'node:http';
import { app } from 'egg-mock/bootstrap';
// egg-mock's shared test server (not exported from its main entry).
// eslint-disable-next-line @typescript-eslint/no-var-requires
const mockHttpServer: (application: unknown) => Server = require('egg-mock/lib/mock_http_server');

/**
 * supertest listens and closes egg-mock's shared server per request, which resets the other
 * connections of a concurrent burst. Listening for the whole describe block avoids that.
 */
export function keepTestServerListening() {
  let server: Server;
  before(done => {
    server = mockHttpServer(app);
    server.listen(0, '127.0.0.1', done);
  });
  after(done => {
    server.close(() => done());
  });
}
