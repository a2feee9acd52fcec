'use strict';
// The files part of `npm run bench` (README "Performance"): upload throughput of 100 KB images
// spread over many users, as a share of the auth-only rate of the same run, and the server's
// memory while 20 uploads of 50 MB stream at once (files go to disk or S3 in chunks; a server
// that buffered them would grow by about 1 GB).
const { execFileSync } = require('node:child_process');
const { rmSync } = require('node:fs');
const http = require('node:http');
const autocannon = require('autocannon');

const MB = 1024 * 1024;
const ROUTE = '/api/chat/uploadStreamSingleToServerDiy/bench';
const USERS = 50;
const BIG = { count: 20, size: 50 * MB };
const BOUNDARY = 'benchboundary7f3a';

// Environment the bench server needs for uploads: limits lifted, files in the bench's own folder.
function serverEnv(uploadDir) {
  return {
    UPLOAD_DIR: uploadDir, UPLOAD_PER_MINUTE: '1000000000', UPLOAD_DAILY_FILES: '1000000000', UPLOAD_DAILY_MB: '1000000000',
  };
}

// A PNG header (200x200) padded to `size`: sniffed and checked like any image, never decoded.
function image(size) {
  const file = Buffer.alloc(size, 0x5a);
  Buffer.from('89504e470d0a1a0a0000000d49484452000000c8000000c80802000000', 'hex').copy(file);
  return file;
}

function multipart(content, filename) {
  return Buffer.concat([
    Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\nContent-Type: application/octet-stream\r\n\r\n`),
    content, Buffer.from(`\r\n--${BOUNDARY}--\r\n`),
  ]);
}

async function register(url, username) {
  const res = await fetch(`${url}/api/regChat`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password: 'bench-password-1' }),
  });
  const body = await res.json();
  if (res.status !== 200) throw new Error(`register ${username}: ${res.status} ${JSON.stringify(body)}`);
  return body.data.token;
}

// Resident memory (MB) of the server's processes: every process whose command line names the title.
function serverRssMb(title) {
  const lines = execFileSync('ps', [ '-eo', 'rss=,args=' ], { encoding: 'utf8' }).split('\n');
  return lines.filter(line => line.includes(title) && !line.includes('ps -eo'))
    .reduce((sum, line) => sum + Number(line.trim().split(/\s+/)[0]) / 1024, 0);
}

// One 50 MB upload streamed from a generator in 1 MB chunks (the client holds no 50 MB buffer).
function streamUpload(port, token) {
  return new Promise((resolve, reject) => {
    const head = Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="big.mp4"\r\n\r\n`);
    const tail = Buffer.from(`\r\n--${BOUNDARY}--\r\n`);
    const req = http.request({
      host: '127.0.0.1', port, path: ROUTE, method: 'POST',
      headers: { token, 'content-type': `multipart/form-data; boundary=${BOUNDARY}`, 'content-length': head.length + BIG.size + tail.length },
    }, res => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    });
    req.on('error', reject);
    const first = Buffer.alloc(MB);
    Buffer.from('000000186674797069736f6d0000020069736f6d69736f32', 'hex').copy(first); // an MP4 header
    const zeros = Buffer.alloc(MB);
    let sent = 0;
    const pump = () => {
      while (sent < BIG.size) {
        const piece = sent === 0 ? first : zeros.subarray(0, Math.min(MB, BIG.size - sent));
        sent += piece.length;
        if (!req.write(piece)) return req.once('drain', pump);
      }
      req.end(tail);
    };
    req.write(head);
    pump();
  });
}

async function throughput(url, tokens, connections, { duration, warmup }) {
  const body = multipart(image(100 * 1024), 'photo.png');
  let next = 0;
  const fire = seconds => autocannon({
    url: `${url}${ROUTE}`, connections, duration: seconds, timeout: 30,
    requests: [{
      method: 'POST', body, headers: { 'content-type': `multipart/form-data; boundary=${BOUNDARY}` },
      setupRequest: request => ({ ...request, headers: { ...request.headers, token: tokens[next++ % tokens.length] } }),
    }],
  });
  if (warmup > 0) await fire(warmup);
  const result = await fire(duration);
  const statuses = Object.fromEntries(Object.entries(result.statusCodeStats || {}).map(([ code, { count }]) => [ code, count ]));
  return {
    connections, rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99,
    mbPerSecond: result.requests.average * 100 / 1024, statuses, errors: result.errors, timeouts: result.timeouts,
  };
}

async function memory(url, title, token) {
  const port = Number(new URL(url).port);
  const baseline = serverRssMb(title);
  let peak = baseline;
  const sampler = setInterval(() => {
    peak = Math.max(peak, serverRssMb(title));
  }, 100);
  try {
    const statuses = await Promise.all(Array.from({ length: BIG.count }, () => streamUpload(port, token)));
    return { uploads: BIG.count, mbEach: BIG.size / MB, baselineMb: baseline, peakMb: peak, growthMb: peak - baseline, statuses };
  } finally {
    clearInterval(sampler);
  }
}

// Runs the files scenarios against the started server. `authOnly`: index.js's auth-only results
// (same run), by connection count.
async function run({ url, title, uploadDir, authOnly, connections, duration, warmup, log }) {
  const tokens = [];
  for (let i = 0; i < USERS; i++) tokens.push(await register(url, `bench_up_${Date.now().toString(36)}_${i}`));
  const uploads = [];
  for (const c of connections) {
    const result = await throughput(url, tokens, c, { duration, warmup });
    const auth = authOnly.find(r => r.connections === c);
    result.authOnlyRps = auth ? auth.rps : null;
    result.ratioToAuthOnly = auth ? result.rps / auth.rps : null;
    log(`upload 100 KB @${c}: ${result.rps.toFixed(0)} req/s (${result.mbPerSecond.toFixed(1)} MB/s), p99 ${result.p99} ms, ` +
      `${result.ratioToAuthOnly === null ? '-' : (result.ratioToAuthOnly * 100).toFixed(1)} % of auth-only, statuses ${JSON.stringify(result.statuses)}`);
    uploads.push(result);
  }
  const mem = await memory(url, title, tokens[0]);
  log(`20 x 50 MB at once: server RSS ${mem.baselineMb.toFixed(0)} MB -> peak ${mem.peakMb.toFixed(0)} MB ` +
    `(+${mem.growthMb.toFixed(0)} MB for ${mem.uploads * mem.mbEach} MB in flight), statuses ${JSON.stringify(mem.statuses)}`);
  // Requests autocannon left in flight may still be writing: retry while the folder is busy.
  rmSync(uploadDir, { recursive: true, force: true, maxRetries: 10, retryDelay: 500 });
  return { uploads, memory: mem };
}

// The targets for files, each met or missed with its figure.
function targets({ uploads, memory: mem }) {
  const ok = uploads.every(r => Object.keys(r.statuses).every(code => code === '200') && !r.errors && !r.timeouts);
  return [
    {
      target: 'every 100 KB upload answered 200',
      met: ok,
      figure: uploads.map(r => `@${r.connections}: ${JSON.stringify(r.statuses)}, ${r.errors} errors`).join('; '),
    },
    {
      target: 'upload throughput reported as a share of auth-only',
      met: uploads.every(r => r.ratioToAuthOnly !== null),
      figure: uploads.map(r => `@${r.connections}: ${r.rps.toFixed(0)} req/s = ${((r.ratioToAuthOnly || 0) * 100).toFixed(1)} % of ${(r.authOnlyRps || 0).toFixed(0)}`).join('; '),
    },
    {
      // Buffering the files would add ~1000 MB; streaming adds buffers of a few MB per upload.
      target: 'server memory bounded while 20 x 50 MB stream in: growth < 200 MB, all 200',
      met: mem.growthMb < 200 && mem.statuses.every(s => s === 200),
      figure: `+${mem.growthMb.toFixed(0)} MB (peak ${mem.peakMb.toFixed(0)} MB), statuses ${JSON.stringify(mem.statuses)}`,
    },
  ];
}

module.exports = { run, targets, serverEnv };
