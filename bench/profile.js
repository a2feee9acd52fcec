'use strict';
// npm run bench:profile [N]: the cost of one request of each hot path. Seeds N users (default
// 50,000) into BENCH_DATABASE unless it already holds them, and N friendships and a 10,000-message
// conversation (bench/friends.js, bench/history.js) every time, builds the app and starts it
// with ONE worker (egg-scripts), then for the 404 baseline, the auth-only searchUser, a prefix
// search, goodfriendlist (the hub's 2,000-friend pages), the friends point reads and
// listapplyfriend, history, chatGetmessageOffLine, groupinfo (500 members), grouplist
// (bench/groups.js seedReads) and sendmessage (the sampled friend pairs in turn)
// (PROFILE_KEYS picks some): req/s at 50 connections without the profiler, then the same load
// again under the V8 CPU profiler (bench/profile-hook.js). Prints req/s, ratios to the baseline,
// and where the worker's CPU went, by group and by function. docs/performance.md.
const { randomBytes } = require('node:crypto');
const { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const autocannon = require('autocannon');
const mysql = require('mysql2/promise');
const { seedUsers } = require('./seed');
const { mysqlSettings, runScript, storedHash } = require('./common');
const server = require('./server');
const { scenarios, measure } = require('./load');
const { COMMON_PREFIXES: PREFIXES } = require('./handles');
const { analyze, groupTable, functionTable, markdown } = require('./profileReport');
const friends = require('./friends');
const history = require('./history');
const groups = require('./groups');

const root = path.join(__dirname, '..');
const count = Number(process.argv[2] || process.env.BENCH_USERS || 50000);
const database = process.env.BENCH_DATABASE || 'chat_bench_profile';
const port = Number(process.env.BENCH_PORT || 7106);
const redisDb = process.env.BENCH_REDIS_DB || '14';
const title = process.env.BENCH_TITLE || 'im-bench-profile';
const duration = Number(process.env.BENCH_DURATION || 10);
const connections = Number(process.env.BENCH_CONNECTIONS || 50);
const label = process.env.PROFILE_LABEL || 'current';
const rounds = Number(process.env.PROFILE_ROUNDS || 2);
const scryptCost = 16384;
const profileDir = path.join(root, 'run', 'profile');
const SEARCHER = { username: 'bench_search', password: 'bench-password-1' };
const ALL_KEYS = [ 'baseline', 'authOnly', 'searchPrefix', 'friendsList', 'friendsIsMine', 'friendsInfo', 'friendsInbox', 'history', 'offline',
  'groupInfo', 'groupList', 'sendmessage' ];
// The baseline always comes first: every ratio is to it.
const KEYS = process.env.PROFILE_KEYS ? [ 'baseline', ...process.env.PROFILE_KEYS.split(',').filter(key => key !== 'baseline') ] : ALL_KEYS;

if (!Number.isSafeInteger(count) || count < 1000) throw new Error('N must be an integer >= 1000');
if (!/bench/.test(database)) throw new Error(`refusing to use "${database}": the bench database name must contain "bench"`);

const SEND_ENV = { MSG_RATE_LIMIT: '1000000000', MSG_NEW_CONV_LIMIT: '1000000000' };
const serverOptions = {
  title, port, workers: 1,
  env: {
    MYSQL_DATABASE: database, REDIS_DB: redisDb, PORT: String(port), APP_TITLE: title, ...friends.SERVER_ENV, ...SEND_ENV,
    JWT_SECRET: randomBytes(32).toString('hex'), SCRYPT_COST: String(scryptCost),
    NODE_OPTIONS: `${process.env.NODE_OPTIONS || ''} --require ${path.join(__dirname, 'profile-hook.js')}`.trim(),
    PROFILE_DIR: profileDir,
  },
};
// sendmessage: 100 of the sampled friend pairs in turn (many conversations, as many clients send;
// each exists after the warm-up, as a conversation's first message is the rare case), without
// the per-sender rate limits, which would answer 429 at this rate.
function sendScenario(data) {
  const sample = data.sample.slice(0, 100);
  let next = 0;
  const body = to => JSON.stringify({
    sendto_id: to, chatType: 'single', type: 'text', data: { data: 'profile', dataType: false, otherData: null }, options: '%7B%7D',
  });
  return {
    name: `sendmessage, ${sample.length} friend pairs in turn`, key: 'sendmessage', expect: 200,
    requests: [{
      method: 'POST', path: '/', setupRequest: request => {
        const [ a, b ] = sample[next++ % sample.length];
        return { ...request, method: 'POST', path: '/api/chat/socket/sendmessage', headers: { token: a.token, 'content-type': 'application/json' }, body: body(b.id) };
      },
    }],
  };
}
const log = message => console.log(`[profile ${new Date().toISOString().slice(11, 19)}] ${message}`);
const sleep = ms => new Promise(resolve => setTimeout(resolve, ms));

// Seeds only when the database does not hold N users already (a reseed takes a while at 1M).
async function prepareDatabase() {
  const admin = await mysql.createConnection(mysqlSettings);
  try {
    const [[ existing ]] = await admin.query(
      'SELECT COUNT(*) AS n FROM information_schema.tables WHERE table_schema = ? AND table_name = ?', [ database, 'user' ]);
    if (existing.n) {
      const [[ users ]] = await admin.query(`SELECT COUNT(*) AS n, SUM(username = ?) AS known FROM \`${database}\`.\`user\``, [ SEARCHER.username ]);
      if (Number(users.n) === count && Number(users.known) === 1) {
        // Migrations added since it was seeded.
        runScript('db-migrate.js', database, 'db:migrate');
        return log(`reusing ${database} (${count} users)`);
      }
    }
    await admin.query(`DROP DATABASE IF EXISTS \`${database}\``);
  } finally {
    await admin.end();
  }
  runScript('db-migrate.js', database, 'db:migrate');
  const connection = await mysql.createConnection({ ...mysqlSettings, database });
  try {
    await connection.query('SET @user_search_gram_paused = 1');
    const { seconds: took } = await seedUsers(connection, { count, passwordHash: await storedHash(SEARCHER.password, scryptCost), known: [ SEARCHER.username ] });
    log(`seeded ${count} users in ${took.toFixed(1)} s`);
    await connection.query('ANALYZE TABLE `user`');
  } finally {
    await connection.end();
  }
  runScript('search-reindex.js', database, 'search:reindex');
}

// Friendships, applications and the conversation, seeded anew on every run (a few seconds at 50,000).
async function seedFriends() {
  const connection = await mysql.createConnection({ ...mysqlSettings, database });
  try {
    for (const table of [ 'goodfriend', 'goodfriendapply', 'friend_list_version', 'apply_inbox_version', 'message', 'conversation', 'chat_group_user', 'chat_group', 'group_version' ]) {
      await connection.query(`TRUNCATE TABLE \`${table}\``).catch(err => {
        if (err.code !== 'ER_NO_SUCH_TABLE') throw err;
      });
    }
    const data = await friends.seed(connection, count, log);
    await history.seed(connection, data.sample[0]);
    return data;
  } finally {
    await connection.end();
  }
}

async function login(url) {
  const res = await fetch(`${url}/api/loginChat`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(SEARCHER),
  });
  const body = await res.json();
  if (res.status !== 200) throw new Error(`login answered ${res.status} ${JSON.stringify(body)}`);
  return body.data.token;
}

async function waitFor(file, seconds = 30) {
  for (const until = Date.now() + seconds * 1000; Date.now() < until; await sleep(50)) {
    if (existsSync(file)) return;
    if (existsSync(path.join(profileDir, 'error'))) throw new Error(readFileSync(path.join(profileDir, 'error'), 'utf8'));
  }
  throw new Error(`no ${file} after ${seconds} s`);
}

function workerPid() {
  const pids = readdirSync(profileDir).filter(f => /^worker-\d+\.pid$/.test(f));
  if (pids.length !== 1) throw new Error(`expected one worker, found ${pids.length}`);
  return Number(pids[0].match(/\d+/)[0]);
}

// The same load as the measured run, under the profiler; returns the profile and its requests.
async function profiled(url, scenario, pid) {
  const name = `${label}-${scenario.key}`;
  writeFileSync(path.join(profileDir, 'label'), name);
  rmSync(path.join(profileDir, 'started'), { force: true });
  process.kill(pid, 'SIGUSR2');
  await waitFor(path.join(profileDir, 'started'));
  const request = Object.fromEntries([ 'method', 'headers', 'body', 'requests' ].filter(f => f in scenario).map(f => [ f, scenario[f] ]));
  const result = await autocannon({ url: `${url}${scenario.path || ''}`, connections, duration, timeout: 10, ...request });
  process.kill(pid, 'SIGUSR2');
  const file = path.join(profileDir, `${name}.cpuprofile`);
  await waitFor(file);
  return { requests: result.requests.total, profiledRps: result.requests.average, analysis: analyze(JSON.parse(readFileSync(file, 'utf8'))) };
}

async function main() {
  const loadAverage = os.loadavg().map(v => v.toFixed(2)).join(' ');
  log(`N = ${count}, ${os.cpus().length} cores, load average ${loadAverage}, database ${database}, port ${port}, 1 worker`);
  await prepareDatabase();
  const friendData = await seedFriends();
  // Profiles of earlier labels stay; this run's control files go.
  mkdirSync(profileDir, { recursive: true });
  for (const file of readdirSync(profileDir)) {
    if (!file.endsWith('.cpuprofile') || file.startsWith(`${label}-`)) rmSync(path.join(profileDir, file), { force: true });
  }
  server.build(process.env);
  server.start(serverOptions);
  const url = `http://127.0.0.1:${port}`;
  const token = await login(url);
  const pid = workerPid();
  const groupConnection = await mysql.createConnection({ ...mysqlSettings, database });
  const all = [
    ...scenarios({ credentials: SEARCHER, token, keywords: { prefix: PREFIXES } }),
    ...await friends.scenarios({ data: friendData, redisDb, secret: serverOptions.env.JWT_SECRET }),
    ...history.scenarios(friendData.sample[0]),
    { name: 'chatGetmessageOffLine (no socket open)', key: 'offline', expect: 200, method: 'POST', path: '/api/chat/chatGetmessageOffLine', headers: { token } },
    ...await groups.seedReads(groupConnection, { redisDb, secret: serverOptions.env.JWT_SECRET }),
    sendScenario(friendData),
  ];
  await groupConnection.end();
  // The machine is shared: each scenario is measured `rounds` times, interleaved, and its best
  // run kept; then profiled once. Ratios compare runs of this one invocation only.
  const plain = new Map(KEYS.map(key => [ key, []]));
  for (let round = 0; round < rounds; round++) {
    for (const key of KEYS) {
      const scenario = all.find(s => s.key === key);
      const run = await measure(url, scenario, connections, { duration, warmup: 2 });
      if (run.unexpected || run.errors) throw new Error(`${key}: unexpected answers ${JSON.stringify(run.statuses)}, ${run.errors} errors`);
      log(`${key} round ${round + 1}: ${run.rps.toFixed(0)} req/s, p50 ${run.p50} ms, p99 ${run.p99} ms`);
      plain.get(key).push(run);
    }
  }
  const results = [];
  for (const key of KEYS) {
    const best = plain.get(key).reduce((a, b) => (b.rps > a.rps ? b : a));
    const profile = await profiled(url, all.find(s => s.key === key), pid);
    log(`${key}: profiled at ${profile.profiledRps.toFixed(0)} req/s`);
    results.push({ key, rps: best.rps, p50: best.p50, p99: best.p99, runs: plain.get(key).map(r => Math.round(r.rps)), ...profile });
  }
  server.stop(serverOptions);
  server.clean(process.env);

  const base = results[0];
  console.log(`\nN = ${count} users, 1 worker, ${connections} connections, best of ${rounds} runs of ${duration} s (load average at start ${loadAverage})\n`);
  console.log(markdown([ 'scenario', 'req/s (runs)', 'vs baseline', 'p50 ms', 'p99 ms', 'worker CPU µs/req' ], results.map(r => [
    r.key, `${r.rps.toFixed(0)} (${r.runs.join(', ')})`, `${(r.rps / base.rps * 100).toFixed(1)} %`, String(r.p50), String(r.p99),
    (r.analysis.busyMs * 1000 / r.requests).toFixed(0),
  ])));
  console.log(`\n${groupTable(results)}\n`);
  for (const r of results.slice(1)) console.log(`${functionTable(r)}\n`);
  const file = path.join(__dirname, 'results', `profile-${label}-${count}.json`);
  writeFileSync(file, JSON.stringify({
    date: new Date().toISOString(), users: count, connections, duration, loadAverageAtStart: loadAverage, label,
    results: results.map(({ analysis, ...r }) => ({ ...r, busyMs: analysis.busyMs, groups: analysis.groups, functions: analysis.functions })),
  }, null, 2) + '\n');
  log(`wrote ${path.relative(root, file)}; raw profiles in ${path.relative(root, profileDir)}/ (open in Chrome DevTools)`);
}

const cleanup = () => {
  try {
    server.stop(serverOptions);
    server.clean(process.env);
  } catch (err) {
    console.error(`profile cleanup: ${err.message}`);
  }
};
for (const signal of [ 'SIGINT', 'SIGTERM' ]) process.on(signal, () => { cleanup(); process.exit(130); });
main().then(() => process.exit(0), err => {
  console.error(`profile failed: ${err.stack || err.message}`);
  cleanup();
  process.exit(1);
});
