'use strict';
// The operator console part of `npm run bench` (CONTRACT-admin, issue 20): the dashboard at
// 5 connections (target p99 <= 100 ms at 1M users), and what loading it costs a concurrent
// auth-only run: the auth-only rate alone and while 5 admins reload the dashboard every second,
// measured in alternation (target: at most 5 % lower).
const mysql = require('mysql2/promise');
const { measure } = require('./load');

const CONNECTIONS = 5;
const ADMINS = 5;
const RELOAD_MS = 1000;
const AUTH_CONNECTIONS = 10;
const ROUNDS = 3;

const cookiesOf = res => res.headers.getSetCookie().map(line => line.split(';')[0]);
const csrfOf = html => /name="_csrf" value="([^"]*)"/.exec(html)[1];

// An admin row straight into the bench database (the password hash the seeded users share), then a login over HTTP.
async function adminSession(url, database, mysqlSettings, passwordHash, password) {
  const connection = await mysql.createConnection({ ...mysqlSettings, database });
  try {
    await connection.query("INSERT IGNORE INTO admin_user (username, password_hash, role, status, create_time, update_time) VALUES ('bench_admin', ?, 'viewer', 1, NOW(3), NOW(3))", [ passwordHash ]);
  } finally {
    await connection.end();
  }
  const form = await fetch(`${url}/admin/login`);
  const login = await fetch(`${url}/admin/login`, {
    method: 'POST', redirect: 'manual', headers: { cookie: cookiesOf(form)[0], 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ _csrf: csrfOf(await form.text()), username: 'bench_admin', password }).toString(),
  });
  if (login.status !== 303) throw new Error(`admin login answered ${login.status}`);
  return cookiesOf(login).find(c => c.startsWith('admin_sid='));
}

// Admins each reloading the dashboard every RELOAD_MS until stopped; resolves to the reloads and their slowest time.
function reloading(url, cookie) {
  let stop = false;
  const times = [];
  let failed = 0;
  const admins = Array.from({ length: ADMINS }, async (_, i) => {
    await new Promise(resolve => setTimeout(resolve, i * RELOAD_MS / ADMINS));
    while (!stop) {
      const started = Date.now();
      const status = await fetch(`${url}/admin`, { headers: { cookie } }).then(async res => { await res.arrayBuffer(); return res.status; }, () => 0);
      if (status === 200) times.push(Date.now() - started);
      else failed++;
      await new Promise(resolve => setTimeout(resolve, Math.max(0, RELOAD_MS - (Date.now() - started))));
    }
  });
  return {
    stop: async () => {
      stop = true;
      await Promise.all(admins);
      return { reloads: times.length, failed, slowestMs: Math.max(0, ...times) };
    },
  };
}

async function run({ url, database, mysqlSettings, passwordHash, password, authOnly, duration, warmup, log }) {
  const cookie = await adminSession(url, database, mysqlSettings, passwordHash, password);
  const dashboard = { name: 'admin dashboard (GET /admin)', key: 'adminDashboard', path: '/admin', method: 'GET', headers: { cookie }, expect: 200 };
  const page = await measure(url, dashboard, CONNECTIONS, { duration, warmup });
  log(`${dashboard.name} @${CONNECTIONS}: ${page.rps.toFixed(0)} req/s, p50 ${page.p50} ms, p99 ${page.p99} ms`);
  const alone = [];
  const loaded = [];
  let reloads = { reloads: 0, failed: 0, slowestMs: 0 };
  for (let round = 0; round < ROUNDS; round++) {
    alone.push((await measure(url, authOnly, AUTH_CONNECTIONS, { duration, warmup })).rps);
    const admins = reloading(url, cookie);
    loaded.push((await measure(url, authOnly, AUTH_CONNECTIONS, { duration, warmup })).rps);
    const done = await admins.stop();
    reloads = { reloads: reloads.reloads + done.reloads, failed: reloads.failed + done.failed, slowestMs: Math.max(reloads.slowestMs, done.slowestMs) };
  }
  const mean = xs => xs.reduce((a, b) => a + b, 0) / xs.length;
  const result = { dashboard: page, authAlone: mean(alone), authWithDashboard: mean(loaded), rounds: { alone, loaded }, reloads };
  log(`auth only @${AUTH_CONNECTIONS}: ${result.authAlone.toFixed(0)} req/s alone, ${result.authWithDashboard.toFixed(0)} req/s while ` +
    `${ADMINS} admins reload the dashboard every ${RELOAD_MS} ms (${reloads.reloads} reloads, ${reloads.failed} failed, slowest ${reloads.slowestMs} ms)`);
  return result;
}

function targets(result) {
  const drop = 1 - result.authWithDashboard / result.authAlone;
  return [
    {
      target: `admin dashboard p99 <= 100 ms at ${CONNECTIONS} connections`,
      met: result.dashboard.p99 <= 100 && result.dashboard.unexpected === 0,
      figure: `p99 ${result.dashboard.p99} ms, p50 ${result.dashboard.p50} ms, ${result.dashboard.rps.toFixed(0)} req/s, statuses ${JSON.stringify(result.dashboard.statuses)}`,
    },
    {
      target: `auth-only rate lowered by <= 5 % while ${ADMINS} admins reload the dashboard every ${RELOAD_MS} ms`,
      met: drop <= 0.05 && result.reloads.failed === 0,
      figure: `${result.authAlone.toFixed(0)} -> ${result.authWithDashboard.toFixed(0)} req/s (${(drop * 100).toFixed(1)} % lower; ${result.reloads.failed} failed reloads)`,
    },
  ];
}

module.exports = { run, targets };
