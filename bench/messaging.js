'use strict';
// Messaging scenarios of `npm run bench` (README "Performance"): against the production server
// bench/index.js started, with its database and Redis db.
//   1. S authenticated sockets held open (BENCH_SOCKETS, default 10,000): handshake rate and
//      server memory per idle socket (RSS of the app workers, before and after);
//   2. sendmessage over S/2 distinct sender -> recipient pairs (friends), closed loop at
//      BENCH_MSG_CONNECTIONS in flight: throughput, and per message the latency from the POST's
//      start to the frame at the recipient, lost and duplicated frames;
//   3. the same at half that rate (open loop), all sockets open: end-to-end p50/p99;
//   4. 1,000 messages queued for a user who is offline, then a reconnect: time to the last frame.
// Sessions are opened straight in Redis (signed with the server's secret) instead of logging in
// 10,000 users with scrypt; the server checks them like any other session.
const { randomBytes } = require('node:crypto');
const { execFileSync } = require('node:child_process');
const mysql = require('mysql2/promise');
const Redis = require('ioredis');
const jwt = require('jsonwebtoken');
const WebSocket = require('ws');

const TARGETS = { memoryPerSocketKB: 16, sendShareOfAuth: 0.3, p99Ms: 50, catchUpMs: 1000 };

// What the server needs for the bench: the abuse limits lifted (one IP opens every socket).
const serverEnv = {
  WS_CONNECT_LIMIT_IP: '1000000000', MSG_RATE_LIMIT: '1000000000', MSG_NEW_CONV_LIMIT: '1000000000', WS_MAX_PER_PROCESS: '1000000',
};

const sleep = ms => new Promise(resolve => setTimeout(resolve, ms));
const seconds = since => Number(process.hrtime.bigint() - since) / 1e9;
const nowMs = () => Number(process.hrtime.bigint()) / 1e6;
const percentile = (sorted, p) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil(p / 100 * sorted.length) - 1)] : NaN);

// Resident memory (KB) of the server's app workers, found by the title egg-scripts gave them.
function workersRssKB(title) {
  const out = execFileSync('ps', [ '-eo', 'pid,rss,args' ], { encoding: 'utf8' });
  return out.split('\n').filter(line => line.includes('app_worker') && line.includes(`"title":"${title}"`))
    .reduce((sum, line) => sum + Number(line.trim().split(/\s+/)[1]), 0);
}

// Waits until the RSS of the workers moves by less than 1 % between samples 1 s apart (at most 20 s).
async function stableRss(title) {
  let last = workersRssKB(title);
  for (let i = 0; i < 20; i++) {
    await sleep(1000);
    const now = workersRssKB(title);
    if (Math.abs(now - last) < last * 0.01) return now;
    last = now;
  }
  return last;
}

// Waits until the server answers quickly again: work a scenario left queued (logins) must finish first.
async function settle(url) {
  for (let quick = 0, i = 0; quick < 5 && i < 200; i++) {
    const started = Date.now();
    await fetch(`${url}/api/bench-unknown-route`, { method: 'POST' }).then(res => res.arrayBuffer());
    quick = Date.now() - started < 20 ? quick + 1 : 0;
    await sleep(100);
  }
}

// Sessions straight in Redis, one per user, as login would open them.
async function openSessions(redis, users, secret, ttlSeconds) {
  const iat = Math.floor(Date.now() / 1000);
  const micros = Date.now() * 1000;
  const pipeline = redis.pipeline();
  for (const user of users) {
    user.sid = randomBytes(16).toString('base64url');
    user.token = jwt.sign({ id: user.id, uuid: user.uuid, username: user.username, role: 'user', sid: user.sid, iat, exp: iat + ttlSeconds },
      secret, { algorithm: 'HS256' });
    pipeline.zadd(`im:sess:${user.id}`, micros, user.sid);
    pipeline.pexpire(`im:sess:${user.id}`, ttlSeconds * 1000);
  }
  await pipeline.exec();
}

// A socket that records when each message id arrived.
function openSocket(port, user, onFrame) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws?token=${user.token}`, { perMessageDeflate: false });
    const timer = setTimeout(() => { ws.terminate(); reject(new Error('handshake timed out')); }, 30000);
    ws.on('error', err => { clearTimeout(timer); reject(err); });
    ws.on('message', data => {
      const frame = JSON.parse(data.toString());
      if (frame.type === 'system') {
        clearTimeout(timer);
        resolve(ws);
      } else if (frame.type === 'singleChat') {
        onFrame(frame.data.id, user);
      }
    });
  });
}

// Opens sockets `concurrency` at a time; returns them and the handshake rate.
async function openAll(port, users, concurrency, onFrame) {
  const sockets = [];
  let next = 0;
  let failed = 0;
  const started = process.hrtime.bigint();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < users.length) {
      const user = users[next++];
      try {
        user.ws = await openSocket(port, user, onFrame);
        sockets.push(user.ws);
      } catch {
        failed++;
      }
    }
  }));
  return { sockets, failed, rate: sockets.length / seconds(started) };
}

async function send(url, sender, recipient, text) {
  const res = await fetch(`${url}/api/chat/socket/sendmessage`, {
    method: 'POST', headers: { 'content-type': 'application/json', token: sender.token },
    body: JSON.stringify({ sendto_id: recipient.id, chatType: 'single', type: 'text', data: { data: text, dataType: false, otherData: null } }),
  });
  const body = await res.json();
  return res.status === 200 ? body.data.id : null;
}

// Bookkeeping of sent and received messages.
function tracker() {
  const sentAt = new Map(); // id -> ms at POST start
  const received = new Map(); // id -> ms of the first frame
  let duplicated = 0;
  let errors = 0;
  const receivedBy = new Map(); // id -> the user whose socket got it first
  const duplicates = []; // the first few, for the results file
  return {
    onFrame(id, user) {
      if (received.has(id)) {
        duplicated++;
        if (duplicates.length < 20) duplicates.push({ id, user: user?.id, firstUser: receivedBy.get(id), afterMs: nowMs() - received.get(id) });
      } else {
        received.set(id, nowMs());
        receivedBy.set(id, user && user.id);
      }
    },
    sent(id, at) { sentAt.set(id, at); },
    failed() { errors++; },
    async settle(ms = 5000) {
      const until = Date.now() + ms;
      while (Date.now() < until && [ ...sentAt.keys() ].some(id => !received.has(id))) await sleep(50);
    },
    // Rate and latency of the messages sent from `since` on; lost and duplicated over all of them.
    summary(since = 0) {
      const measured = [ ...sentAt ].filter(([ , at ]) => at >= since);
      const latencies = measured.filter(([ id ]) => received.has(id)).map(([ id, at ]) => received.get(id) - at).sort((a, b) => a - b);
      return {
        sent: measured.length, errors, lost: [ ...sentAt.keys() ].filter(id => !received.has(id)).length, duplicated, duplicates,
        p50: percentile(latencies, 50), p99: percentile(latencies, 99), max: latencies.at(-1),
      };
    },
  };
}

// Closed loop: `connections` senders in flight for `duration` s over the pairs.
async function closedLoop(url, pairs, connections, duration, track) {
  const until = Date.now() + duration * 1000;
  let next = 0;
  const started = process.hrtime.bigint();
  await Promise.all(Array.from({ length: connections }, async () => {
    while (Date.now() < until) {
      const [ sender, recipient ] = pairs[next++ % pairs.length];
      const at = nowMs();
      const id = await send(url, sender, recipient, `bench ${next}`).catch(() => null);
      if (id) track.sent(id, at);
      else track.failed();
    }
  }));
  return seconds(started);
}

// Open loop at `rate` messages/s for `duration` s (at most 200 in flight).
async function openLoop(url, pairs, rate, duration, track) {
  const started = nowMs();
  const total = Math.round(rate * duration);
  let issued = 0;
  const pending = new Set();
  const fire = (sender, recipient, text) => {
    const at = nowMs();
    const p = send(url, sender, recipient, text).then(id => (id ? track.sent(id, at) : track.failed()), () => track.failed())
      .finally(() => pending.delete(p));
    pending.add(p);
  };
  while (issued < total) {
    const due = Math.min(total, Math.floor((nowMs() - started) / 1000 * rate) + 1);
    while (issued < due && pending.size < 200) {
      const [ sender, recipient ] = pairs[issued++ % pairs.length];
      fire(sender, recipient, `paced ${issued}`);
    }
    await sleep(1);
  }
  await Promise.all(pending);
  return (nowMs() - started) / 1000;
}

async function run({ url, port, title, database, mysqlSettings, redisDb, secret, results, duration, log }) {
  const wanted = Number(process.env.BENCH_SOCKETS || 10000);
  const connections = Number(process.env.BENCH_MSG_CONNECTIONS || 50);
  const connection = await mysql.createConnection({ ...mysqlSettings, database });
  const redis = new Redis({ host: process.env.REDIS_HOST || '127.0.0.1', port: Number(process.env.REDIS_PORT || 6379), db: Number(redisDb) });
  const sockets = [];
  try {
    // Two more than the sockets: the offline user and its sender for the catch-up.
    const [ users ] = await connection.query(
      "SELECT id, uuid, username FROM `user` WHERE status = 1 AND is_deleted = 0 AND role = 'user' AND username NOT LIKE 'bench\\_%' ORDER BY id LIMIT ?",
      [ wanted + 2 ]);
    const [ offline, offlineSender ] = users.splice(users.length - 2, 2);
    const online = users.slice(0, users.length - (users.length % 2));
    const pairs = [];
    for (let i = 0; i < online.length; i += 2) pairs.push([ online[i], online[i + 1] ]);
    const now = new Date();
    const rows = pairs.concat([[ offlineSender, offline ]]).flatMap(([ a, b ]) => [[ a.id, b.id, now, now ], [ b.id, a.id, now, now ]]);
    for (let i = 0; i < rows.length; i += 2000) {
      await connection.query('INSERT IGNORE INTO goodfriend (user_id, friend_id, create_time, update_time) VALUES ?', [ rows.slice(i, i + 2000) ]);
    }
    await openSessions(redis, online.concat([ offline, offlineSender ]), secret, 3600);
    log(`messaging: ${online.length} users with sessions, ${pairs.length} friend pairs`);

    const track = tracker();
    await settle(url);
    // Memory: the growth of the workers' RSS over the second half of the sockets, once the
    // memory left from earlier scenarios (scrypt's 32 MiB per login) has settled.
    const half = Math.floor(online.length / 2);
    const first = await openAll(port, online.slice(0, half), 50, (id, user) => track.onFrame(id, user));
    const rssBefore = await stableRss(title);
    const opened = await openAll(port, online.slice(half), 50, (id, user) => track.onFrame(id, user));
    const rssAfter = await stableRss(title);
    const perSocketKB = (rssAfter - rssBefore) / Math.max(1, opened.sockets.length);
    sockets.push(...first.sockets, ...opened.sockets);
    opened.count = sockets.length;
    opened.failed += first.failed;
    opened.rate = (first.rate + opened.rate) / 2;
    log(`messaging: ${opened.count} sockets open (${opened.failed} failed) at ${opened.rate.toFixed(0)} handshakes/s; ` +
      `workers' RSS ${(rssBefore / 1024).toFixed(0)} -> ${(rssAfter / 1024).toFixed(0)} MiB = ${perSocketKB.toFixed(1)} KB per socket`);

    // Warm-up: one message per pair creates the conversations (a pair's first message also
    // inserts its conversation row); its frames count toward lost and duplicated too.
    for (let i = 0; i < pairs.length; i += connections) {
      await Promise.all(pairs.slice(i, i + connections).map(async ([ sender, recipient ]) => {
        const at = nowMs();
        const id = await send(url, sender, recipient, 'warm-up').catch(() => null);
        if (id) track.sent(id, at);
        else track.failed();
      }));
    }
    await track.settle();
    await settle(url);
    const measuredFrom = nowMs();
    const loopSeconds = await closedLoop(url, pairs, connections, duration, track);
    await track.settle();
    const saturated = { ...track.summary(measuredFrom), seconds: loopSeconds };
    saturated.rps = saturated.sent / loopSeconds;
    log(`messaging: sendmessage @${connections}: ${saturated.rps.toFixed(0)} msg/s, end-to-end p50 ${saturated.p50.toFixed(1)} ms, ` +
      `p99 ${saturated.p99.toFixed(1)} ms, lost ${saturated.lost}, duplicated ${saturated.duplicated}, errors ${saturated.errors}`);

    const paceTrack = tracker();
    const onPaced = data => {
      const frame = JSON.parse(data.toString());
      if (frame.type === 'singleChat') paceTrack.onFrame(frame.data.id);
    };
    for (const user of online) {
      if (!user.ws) continue;
      user.ws.removeAllListeners('message');
      user.ws.on('message', onPaced);
    }
    const rate = saturated.rps / 2;
    await settle(url);
    const paceSeconds = await openLoop(url, pairs, rate, duration, paceTrack);
    await paceTrack.settle();
    const paced = { ...paceTrack.summary(), rate, seconds: paceSeconds, rps: paceTrack.summary().sent / paceSeconds };
    log(`messaging: paced at ${rate.toFixed(0)} msg/s with ${sockets.length} sockets open: p50 ${paced.p50.toFixed(1)} ms, ` +
      `p99 ${paced.p99.toFixed(1)} ms, lost ${paced.lost}, duplicated ${paced.duplicated}`);

    // 1,000 messages for a user who is offline, then the reconnect.
    const queued = [];
    for (let i = 0; i < 1000; i += 50) {
      const ids = await Promise.all(Array.from({ length: 50 }, (_, j) => send(url, offlineSender, offline, `queued ${i + j}`)));
      queued.push(...ids.filter(Boolean));
    }
    const got = new Set();
    const connectStarted = nowMs();
    let lastFrameAt = NaN;
    let catchUpDuplicates = 0;
    const done = new Promise(resolve => {
      openSocket(port, offline, id => {
        if (got.has(id)) catchUpDuplicates++;
        got.add(id);
        if (got.size === queued.length) {
          lastFrameAt = nowMs();
          resolve();
        }
      }).then(ws => sockets.push(ws), resolve);
    });
    await Promise.race([ done, sleep(30000) ]);
    const catchUp = { queued: queued.length, received: got.size, duplicated: catchUpDuplicates, ms: lastFrameAt - connectStarted };
    log(`messaging: catch-up of ${catchUp.queued} queued messages: ${catchUp.received} received in ${catchUp.ms.toFixed(0)} ms`);

    const authOnly = results.find(r => r.scenario === 'authOnly' && r.connections === 50);
    return {
      sockets: opened.count, socketFailures: opened.failed, handshakeRate: opened.rate,
      rssBeforeKB: rssBefore, rssAfterKB: rssAfter, perSocketKB, connections, saturated, paced, catchUp,
      authOnlyRps: authOnly ? authOnly.rps : NaN,
    };
  } finally {
    for (const ws of sockets) ws.terminate();
    redis.disconnect();
    await connection.end();
  }
}

const fixed = (value, digits = 1) => (Number.isFinite(value) ? value.toFixed(digits) : '-');

// The figures, each as a ratio to the auth-only rate of the same run where it is a rate.
function table(m) {
  const ratio = rps => `${fixed(rps / m.authOnlyRps, 2)}x`;
  const rows = [
    [ `${m.sockets} idle sockets: handshakes`, `${fixed(m.handshakeRate, 0)}/s`, ratio(m.handshakeRate), '-', '-', `${fixed(m.perSocketKB)} KB/socket`, `${m.socketFailures} failed` ],
    [ `sendmessage, ${m.connections} in flight`, `${fixed(m.saturated.rps, 0)}/s`, ratio(m.saturated.rps), fixed(m.saturated.p50), fixed(m.saturated.p99),
      `lost ${m.saturated.lost}, dup ${m.saturated.duplicated}`, `${m.saturated.errors} errors` ],
    [ 'sendmessage at half that rate', `${fixed(m.paced.rps, 0)}/s`, ratio(m.paced.rps), fixed(m.paced.p50), fixed(m.paced.p99),
      `lost ${m.paced.lost}, dup ${m.paced.duplicated}`, `${m.paced.errors} errors` ],
    [ `catch-up of ${m.catchUp.queued} queued`, '-', '-', '-', '-', `${fixed(m.catchUp.ms, 0)} ms to the last`, `${m.catchUp.received} received` ],
  ];
  const header = [ 'messaging scenario', 'rate', 'vs auth-only', 'p50 ms', 'p99 ms', 'figure', 'answers' ];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map(r => r[i].length)));
  const line = cells => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  return [ line(header), `|${widths.map(w => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line) ].join('\n');
}

function targets(m) {
  const share = m.saturated.rps / m.authOnlyRps;
  return [
    // RSS falling while sockets open (the heap of earlier scenarios given back) is no reading.
    { target: `server memory <= ${TARGETS.memoryPerSocketKB} KB per idle socket`, met: m.perSocketKB > 0 && m.perSocketKB <= TARGETS.memoryPerSocketKB,
      figure: `${m.perSocketKB > 0 ? '' : 'no reading in this run, RSS fell while the sockets opened: '}${fixed(m.perSocketKB)} KB ` +
        `(${m.sockets} sockets; RSS of the app workers ${fixed(m.rssBeforeKB / 1024, 0)} -> ${fixed(m.rssAfterKB / 1024, 0)} MiB)` },
    { target: 'sendmessage >= 30 % of the auth-only request rate, 0 lost, 0 duplicated',
      met: share >= TARGETS.sendShareOfAuth && m.saturated.lost === 0 && m.saturated.duplicated === 0,
      figure: `${fixed(m.saturated.rps, 0)} msg/s = ${fixed(share * 100)} % of ${fixed(m.authOnlyRps, 0)} req/s; lost ${m.saturated.lost}, duplicated ${m.saturated.duplicated}` },
    { target: `end-to-end p99 <= ${TARGETS.p99Ms} ms at half that rate with ${m.sockets} sockets open`,
      met: m.paced.p99 <= TARGETS.p99Ms && m.paced.lost === 0 && m.paced.duplicated === 0,
      figure: `p99 ${fixed(m.paced.p99)} ms (p50 ${fixed(m.paced.p50)}) at ${fixed(m.paced.rps, 0)} msg/s; lost ${m.paced.lost}, duplicated ${m.paced.duplicated}` },
    { target: `${m.catchUp.queued} queued messages delivered <= ${TARGETS.catchUpMs} ms after reconnect`,
      met: m.catchUp.received === m.catchUp.queued && m.catchUp.ms <= TARGETS.catchUpMs,
      figure: `${fixed(m.catchUp.ms, 0)} ms, ${m.catchUp.received} of ${m.catchUp.queued}` },
  ];
}

module.exports = { serverEnv, run, table, targets, openAll, settle };
