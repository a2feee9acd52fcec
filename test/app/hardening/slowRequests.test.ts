import { strict as assert } from 'node:assert';
import { createServer, Server } from 'node:http';
import { AddressInfo, connect } from 'node:net';
import { app, mm } from 'egg-mock/bootstrap';
import { applyServerTimeouts } from '../../../app/lib/httpTimeouts';

interface RawAnswer {
  status: number;
  headers: string;
  body: string;
}

/** Writes `head` on a raw connection, sends nothing more, and reads until the server closes it. */
function trickle(port: number, head: string): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(head));
    let data = '';
    socket.setEncoding('utf8');
    socket.on('data', chunk => { data += chunk; });
    socket.on('error', reject);
    socket.on('close', () => {
      const [ headers, ...body ] = data.split('\r\n\r\n');
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(headers)?.[1]), headers, body: body.join('\r\n\r\n') });
    });
  });
}

async function listening(server: Server): Promise<number> {
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

const close = (server: Server) => new Promise(resolve => server.close(resolve));

describe('slow requests (issue 16, item 6)', () => {
  it('the servers get the configured request, header, keep-alive and idle timeouts', () => {
    // Created the way egg-cluster creates a worker's server: the app hears the 'server' event.
    const server = createServer(app.callback());
    app.emit('server', server);
    const { requestTimeoutMs, headersTimeoutMs, keepAliveTimeoutMs, idleTimeoutMs } = app.config.im.http;
    assert.deepEqual([ server.requestTimeout, server.headersTimeout, server.keepAliveTimeout, server.timeout ],
      [ requestTimeoutMs, headersTimeoutMs, keepAliveTimeoutMs, idleTimeoutMs ]);
    assert.deepEqual([ requestTimeoutMs, headersTimeoutMs, keepAliveTimeoutMs, idleTimeoutMs ], [ 120000, 10000, 5000, 60000 ]);
  });

  for (const route of [ '/api/loginChat', '/api/chat/socket/sendmessage' ]) {
    it(`${route}: a body trickled past HTTP_BODY_TIMEOUT_MS answers 408 in the envelope and the connection closes`, async () => {
      mm(app.config.im.http, 'bodyTimeoutMs', 300);
      const server = createServer(app.callback());
      const port = await listening(server);
      try {
        const answer = await trickle(port, `POST ${route} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"user`);
        assert.equal(answer.status, 408, answer.headers);
        assert.match(answer.headers, /content-type: application\/json/i);
        assert.match(answer.headers, /connection: close/i);
        assert.deepEqual(JSON.parse(answer.body), { msg: 'fail', data: '请求超时' });
      } finally {
        await close(server);
      }
    });
  }

  it('a request Node gives up on (requestTimeout) answers 408 in the envelope, not Egg\'s HTML', async () => {
    // As egg-cluster's worker server, but checking the deadlines every 50 ms instead of every 30 s.
    const server = createServer({ connectionsCheckingInterval: 50 }, app.callback());
    server.on('clientError', (err, socket) => (app as any).onClientError(err, socket));
    applyServerTimeouts(server, { ...app.config.im.http, requestTimeoutMs: 1000, headersTimeoutMs: 1000 });
    const port = await listening(server);
    try {
      const headersUnfinished = await trickle(port, 'POST /api/loginChat HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n');
      assert.equal(headersUnfinished.status, 408, headersUnfinished.headers);
      assert.match(headersUnfinished.headers, /content-type: application\/json/i);
      assert.deepEqual(JSON.parse(headersUnfinished.body), { msg: 'fail', data: '请求超时' });
      const garbage = await trickle(port, 'NOT HTTP AT ALL\r\n\r\n');
      assert.equal(garbage.status, 400);
      assert.deepEqual(JSON.parse(garbage.body), { msg: 'fail', data: '请求格式错误' });
    } finally {
      await close(server);
    }
  });
});
