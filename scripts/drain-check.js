'use strict';
// Checks that `npm stop` drains requests in flight (app.ts beforeClose), against a server that
// `npm start` runs on PORT under APP_TITLE. Used by scripts/postman.sh; stops that server.
//   1. open a request and send only half of its body: it is now in flight in a worker;
//   2. run `npm stop`; wait until new connections are refused (the workers closed their servers);
//   3. send the rest: the request must still get its full answer (400 from a real MySQL lookup),
//      and `npm stop` must exit 0.
const net = require('node:net');
const { spawn } = require('node:child_process');

const port = Number(process.env.PORT);
const body = JSON.stringify({ username: 'drain_nobody', password: 'not-the-password' });
const half = Math.floor(body.length / 2);
const sleep = ms => new Promise(resolve => setTimeout(resolve, ms));

function refused() {
  return new Promise(resolve => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => { socket.destroy(); resolve(false); });
    socket.once('error', () => resolve(true));
  });
}

async function main() {
  const socket = net.connect(port, '127.0.0.1');
  let answer = '';
  socket.setEncoding('utf8');
  socket.on('data', chunk => { answer += chunk; });
  const closed = new Promise(resolve => socket.once('close', resolve));
  socket.on('error', err => { answer += `\n[socket error: ${err.code}]`; });
  await new Promise(resolve => socket.once('connect', resolve));
  socket.write(`POST /api/loginChat HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\n` +
    `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\nX-Request-Id: drain-check\r\n\r\n${body.slice(0, half)}`);
  await sleep(500);

  const started = Date.now();
  const stop = spawn('npm', [ 'stop' ], { stdio: 'ignore', env: process.env });
  const stopped = new Promise(resolve => stop.once('exit', code => resolve(code)));
  while (!(await refused())) {
    if (Date.now() - started > 10000) throw new Error('the server still accepts connections 10 s after npm stop');
    await sleep(100);
  }
  const refusedAfter = Date.now() - started;
  // write, not end: a half-closed client counts as gone for Node's HTTP server.
  socket.write(body.slice(half));
  await closed;

  const status = /^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1];
  const json = answer.slice(answer.indexOf('\r\n\r\n') + 4);
  if (status !== '400' || !json.includes('"msg":"fail"')) {
    throw new Error(`the request in flight was not answered in full during shutdown:\n${answer}`);
  }
  const code = await stopped;
  if (code !== 0) throw new Error(`npm stop exited with ${code}`);
  console.log(`drain check: new connections refused ${refusedAfter} ms after npm stop; ` +
    `the request in flight still got "${status}" ${json}; npm stop exited 0 after ${Date.now() - started} ms`);
}

main().catch(err => {
  console.error(`drain check failed: ${err.message}`);
  process.exit(1);
});
