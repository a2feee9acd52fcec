'use strict';
// npm run bench [N]: seeds N users (default 1,000,000; or BENCH_USERS) into the bench's own
// database, builds the search index, starts the production server in cluster mode and
// measures it with autocannon on 127.0.0.1. See README "Performance".
const { randomBytes } = require('node:crypto');
const { mkdirSync, writeFileSync } = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const mysql = require('mysql2/promise');
const { seedUsers } = require('./seed');
const { mysqlSettings, runScript, scryptKey, storedHash } = require('./common');
const { keywords: keywordsOf } = require('./handles');
const server = require('./server');
const { scenarios, measure, SEARCH_KEYS } = require('./load');
const { table, targets, searchTargets } = require('./report');
const messaging = require('./messaging');
const friends = require('./friends');
const history = require('./history');
const files = require('./files');
const groups = require('./groups');
const consoleBench = require('./admin');
const { searchPlans } = require('./searchPlans');
const { sizeBufferPool } = require('./bufferPool');

const root = path.join(__dirname, '..');
const count = Number(process.argv[2] || process.env.BENCH_USERS || 1000000);
const database = process.env.BENCH_DATABASE || 'chat_bench';
const port = Number(process.env.BENCH_PORT || 7105);
const redisDb = process.env.BENCH_REDIS_DB || '13';
const title = process.env.BENCH_TITLE || 'im-bench';
const duration = Number(process.env.BENCH_DURATION || 10);
const warmup = Number(process.env.BENCH_WARMUP || 2);
const deadlineMinutes = Number(process.env.BENCH_TIMEOUT_MINUTES || 15);
const scryptCost = Number(process.env.SCRYPT_COST || 32768);
const bufferPoolMb = Number(process.env.BENCH_BUFFER_POOL_MB ?? 2048);
let restoreBufferPool = async () => undefined;
const cores = os.cpus().length;
const CONNECTIONS = [ 10, 50 ];
const LOGIN = { username: 'bench_login', password: 'bench-password-1' };
const SEARCHER = { username: 'bench_search', password: LOGIN.password };
const KEYWORDS_PER_KIND = Number(process.env.BENCH_KEYWORDS || 200);
// BENCH_SCENARIOS (scenario keys and the parts `messaging`, `files`, `groups`, `admin`, comma-separated):
// after seeding, only those, with the baseline and auth-only runs they are measured against.
const only = process.env.BENCH_SCENARIOS ? new Set(process.env.BENCH_SCENARIOS.split(',').map(key => key.trim())) : null;

// With BENCH_SCENARIOS, the targets that the scenarios run can decide (each check needs all its runs).
function partialTargets(results) {
  const has = keys => keys.every(key => results.some(r => r.scenario === key));
  const checks = [];
  if (has(SEARCH_KEYS)) checks.push(...searchTargets(results));
  if (has([ 'friendsList', 'friendsInbox', 'friendsIsMine', 'friendsInfo', 'friendsCycle' ])) checks.push(...friends.targets(results));
  checks.push(...history.targets(results));
  return checks;
}

if (!Number.isSafeInteger(count) || count < 1000) throw new Error('N must be an integer >= 1000');
if (!/bench/.test(database)) throw new Error(`refusing to recreate "${database}": the bench database name must contain "bench"`);

const serverOptions = {
  title, port, workers: cores,
  env: {
    MYSQL_DATABASE: database, REDIS_DB: redisDb, PORT: String(port), APP_TITLE: title,
    JWT_SECRET: randomBytes(32).toString('hex'), SCRYPT_COST: String(scryptCost),
    // The bench logs one user in thousands of times from one address: lift the abuse limits.
    LOGIN_FAIL_LIMIT_USER_IP: '1000000000', LOGIN_FAIL_LIMIT_IP: '1000000000', LOGIN_FAIL_WINDOW: '60',
    // and the successful-login limits (30 per account, 100 per address per 15 min): without
    // them the login scenarios measured 429s (2026-12-07), not hashing.
    LOGIN_OK_LIMIT_USER: '1000000000', LOGIN_OK_LIMIT_IP: '1000000000', LOGIN_OK_WINDOW: '60',
    REGISTER_LIMIT_IP: '1000000000', REGISTER_WINDOW: '60',
    ...messaging.serverEnv,
    ...friends.SERVER_ENV,
    ...groups.SERVER_ENV,
    ...files.serverEnv(path.join(root, 'run', 'bench-uploads')),
    // The console's TOTP key (production refuses to start without one once an admin exists).
    ADMIN_SECRET_KEY: randomBytes(32).toString('hex'),
  },
};

const seconds = since => Number(process.hrtime.bigint() - since) / 1e9;
const log = message => console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}`);

// scrypt's time per hash on this machine now, one at a time; and the one hash all seeded
// users share, in the app's stored format, so seeding hashes nothing.
async function measureScrypt() {
  const hash = await storedHash(LOGIN.password, scryptCost);
  const rounds = 10;
  const started = process.hrtime.bigint();
  for (let i = 0; i < rounds; i++) await scryptKey(LOGIN.password, scryptCost);
  return { ms: seconds(started) * 1000 / rounds, hash };
}

async function prepareDatabase(passwordHash) {
  const admin = await mysql.createConnection(mysqlSettings);
  await admin.query(`DROP DATABASE IF EXISTS \`${database}\``);
  await admin.end();
  runScript('db-migrate.js', database, 'db:migrate');

  const connection = await mysql.createConnection({ ...mysqlSettings, database });
  try {
    // A bulk load pauses the index triggers for this session; search:reindex builds it after.
    await connection.query('SET @user_search_gram_paused = 1');
    let shown = 0;
    const { seconds: seedSeconds, names } = await seedUsers(connection, {
      count, passwordHash, known: [ LOGIN.username, SEARCHER.username ],
      onProgress: done => {
        if (done - shown >= 100000) log(`  seeded ${shown = done} users`);
      },
    });
    log(`seeded ${count} users in ${seedSeconds.toFixed(1)} s (${Math.round(count / seedSeconds)} rows/s)`);
    await connection.query('ANALYZE TABLE `user`');

    const reindexStarted = process.hrtime.bigint();
    const reindexed = runScript('search-reindex.js', database, 'search:reindex');
    const reindexSeconds = seconds(reindexStarted);
    log(`${reindexed.trim()} (npm run search:reindex, ${reindexSeconds.toFixed(1)} s)`);

    const writeCost = await measureWriteCost(connection, passwordHash);
    log(`trigger write cost: ${writeCost.perRowMs.toFixed(3)} ms per inserted user ` +
      `(${writeCost.activeSeconds.toFixed(2)} s vs ${writeCost.pausedSeconds.toFixed(2)} s for ${writeCost.rows} rows)`);

    const keywords = keywordsOf(names, KEYWORDS_PER_KIND);
    log(`keywords: ${Object.entries(keywords).map(([ kind, list ]) => `${list.length} ${kind}`).join(', ')}`);
    const friendData = await friends.seed(connection, count, log);
    friendData.history = await history.seed(connection, friendData.sample[0]);
    log(`history: one conversation of ${friendData.history.messages} messages`);
    const [[ sizes ]] = await connection.query(`SELECT
        (SELECT ROUND(data_length / 1048576) FROM information_schema.tables WHERE table_schema = ? AND table_name = 'user') AS userMiB,
        (SELECT ROUND(data_length / 1048576) FROM information_schema.tables WHERE table_schema = ? AND table_name = 'user_search_gram') AS gramMiB,
        (SELECT COUNT(*) FROM user_search_gram) AS grams`, [ database, database ]);
    return { seedSeconds, reindexSeconds, writeCost, keywords, sizes, friends: friendData };
  } finally {
    await connection.end();
  }
}

// What the triggers add to an INSERT: the same rows with the triggers paused and active.
async function measureWriteCost(connection, passwordHash) {
  const rows = 2000;
  const batch = (tag, offset) => Array.from({ length: rows }, (_, i) =>
    [ `${tag}-${offset + i}`, `wc${tag}${offset + i}`, passwordHash, 'a.png', new Date(), new Date(), new Date() ]);
  const insert = async (tag, paused) => {
    await connection.query(paused ? 'SET @user_search_gram_paused = 1' : 'SET @user_search_gram_paused = NULL');
    const started = process.hrtime.bigint();
    for (let offset = 0; offset < rows; offset += 100) {
      await connection.query('INSERT INTO `user` (uuid, username, password, avatar, register_time, create_time, update_time) VALUES ?', [ batch(tag, offset).slice(0, 100) ]);
    }
    const took = seconds(started);
    await connection.query("DELETE FROM `user` WHERE username LIKE 'wc%' AND uuid LIKE ?", [ `${tag}-%` ]);
    return took;
  };
  const pausedSeconds = await insert('p', true);
  const activeSeconds = await insert('a', false);
  await connection.query('SET @user_search_gram_paused = 1');
  return { rows, pausedSeconds, activeSeconds, perRowMs: (activeSeconds - pausedSeconds) * 1000 / rows };
}

async function post(url, body, headers = {}) {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  return { status: res.status, body: await res.json() };
}

async function main() {
  const deadline = setTimeout(() => {
    console.error(`bench: over ${deadlineMinutes} minutes, giving up`);
    cleanup();
    process.exit(2);
  }, deadlineMinutes * 60000);
  deadline.unref();
  const started = process.hrtime.bigint();
  const loadAverage = os.loadavg().map(v => Number(v.toFixed(2)));
  log(`N = ${count}, ${cores} cores (${os.cpus()[0].model}), load average ${loadAverage.join(' ')}, database ${database}, port ${port}`);

  restoreBufferPool = await sizeBufferPool(mysqlSettings, bufferPoolMb, log);
  const scryptRun = await measureScrypt();
  log(`scrypt N=${scryptCost}, r=8, p=1: ${scryptRun.ms.toFixed(1)} ms per hash`);

  const data = await prepareDatabase(scryptRun.hash);

  const buildStarted = process.hrtime.bigint();
  server.build(process.env);
  server.start(serverOptions);
  log(`built and started the production server (${cores} workers) in ${seconds(buildStarted).toFixed(1)} s`);

  const url = `http://127.0.0.1:${port}`;
  for (const user of [ LOGIN, SEARCHER ]) {
    const res = await post(`${url}/api/loginChat`, user);
    if (res.status !== 200) throw new Error(`login of ${user.username} answered ${res.status} ${JSON.stringify(res.body)}`);
  }
  const login = await post(`${url}/api/loginChat`, SEARCHER);
  const token = login.body.data.token;
  const matches = {};
  for (const [ kind, list ] of Object.entries(data.keywords)) {
    matches[kind] = 0;
    for (const keyword of list) {
      const res = await post(`${url}/api/chat/searchUser`, { keyword }, { token });
      if (res.status !== 200) throw new Error(`search "${keyword}" answered ${res.status}`);
      matches[kind] += res.body.data.length;
    }
    matches[kind] = Number((matches[kind] / list.length).toFixed(1));
  }
  log(`users returned per search, on average by kind (of 20 at most): ${JSON.stringify(matches)}`);
  const planConnection = await mysql.createConnection({ ...mysqlSettings, database });
  const plans = await searchPlans(planConnection, data.keywords, login.body.data.id).finally(() => planConnection.end());

  const results = [];
  const friendScenarios = await friends.scenarios({ data: data.friends, redisDb, secret: serverOptions.env.JWT_SECRET });
  const all = [ ...scenarios({ credentials: LOGIN, token, keywords: data.keywords }), ...friendScenarios, ...history.scenarios(data.friends.sample[0]) ];
  for (const scenario of all.filter(s => !only || only.has(s.key) || s.key === 'baseline' || s.key === 'authOnly')) {
    for (const connections of CONNECTIONS) {
      const result = await measure(url, scenario, connections, { duration, warmup });
      log(`${scenario.name} @${connections}: ${result.rps.toFixed(0)} req/s, p50 ${result.p50} ms, p99 ${result.p99} ms`);
      results.push(result);
    }
  }
  // The parts run when BENCH_SCENARIOS names them (or always without it).
  const part = name => !only || only.has(name);
  const messagingResults = part('messaging') ? await messaging.run({
    url, port, title, database, mysqlSettings, redisDb, secret: serverOptions.env.JWT_SECRET, results, duration, log,
  }) : null;
  const filesRun = part('files') ? await files.run({
    url, title, uploadDir: serverOptions.env.UPLOAD_DIR, connections: CONNECTIONS, duration, warmup, log,
    authOnly: results.filter(r => r.scenario === 'authOnly'),
  }) : null;
  const groupsRun = part('groups') ? await groups.run({
    url, port, database, mysqlSettings, redisDb, secret: serverOptions.env.JWT_SECRET, results, duration, warmup, log,
  }) : null;
  const adminRun = part('admin') ? await consoleBench.run({
    url, database, mysqlSettings, passwordHash: scryptRun.hash, password: LOGIN.password,
    authOnly: all.find(s => s.key === 'authOnly'), duration, warmup, log,
  }) : null;
  stopServer();

  const checks = only ? [
    ...partialTargets(results), ...(messagingResults ? messaging.targets(messagingResults) : []), ...(filesRun ? files.targets(filesRun) : []),
    ...(groupsRun ? groups.targets(groupsRun, results) : []), ...(adminRun ? consoleBench.targets(adminRun) : []),
  ] : [
    ...targets({ results, scryptMs: scryptRun.ms, cores }), ...friends.targets(results), ...history.targets(results),
    ...messaging.targets(messagingResults), ...files.targets(filesRun), ...groups.targets(groupsRun, results), ...consoleBench.targets(adminRun),
  ];
  console.log(`\nN = ${count} users, ${cores} cores, ${duration} s per run after ${warmup} s warm-up\n`);
  console.log(table(results));
  if (messagingResults) console.log(`\n${messaging.table(messagingResults)}`);
  console.log(`\nscrypt: ${scryptRun.ms.toFixed(1)} ms per hash; seeding ${data.seedSeconds.toFixed(1)} s; ` +
    `search:reindex ${data.reindexSeconds.toFixed(1)} s (${data.sizes.grams} grams, ${data.sizes.gramMiB} MiB; user table ${data.sizes.userMiB} MiB)`);
  console.log(`\nsearch plans (ANALYZE):\n\n${plans.join('\n\n')}`);
  console.log(`\nfriends: ${JSON.stringify(data.friends.summary)}; plans:\n\n${data.friends.plans.join('\n\n')}`);
  console.log('\ntargets:');
  for (const check of checks) console.log(`  ${check.met ? 'met   ' : 'MISSED'} ${check.target}: ${check.figure}`);
  const missed = checks.filter(c => !c.met);
  if (missed.length) {
    console.log(`\n  Load average at start was ${loadAverage.join(' ')} on ${cores} cores; the server, MariaDB, ` +
      'Redis and autocannon share them, so other processes running at the same time lower every figure.');
  }

  const date = new Date().toISOString().slice(0, 10);
  const file = path.join(__dirname, 'results', `${date}-${count}${only ? `-${[ ...only ].join('-')}` : ''}.json`);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify({
    date: new Date().toISOString(), users: count,
    machine: { cores, cpu: os.cpus()[0].model, memoryGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version, loadAverageAtStart: loadAverage },
    settings: { duration, warmup, connections: CONNECTIONS, scryptCost, workers: cores, bufferPoolMb },
    scryptMsPerHash: scryptRun.ms, seedSeconds: data.seedSeconds, reindexSeconds: data.reindexSeconds,
    triggerWriteCost: data.writeCost, sizes: data.sizes, keywords: data.keywords, keywordResults: matches,
    searchPlans: plans, friends: { ...data.friends.summary, plans: data.friends.plans },
    only: only ? [ ...only ] : undefined, results, messaging: messagingResults, files: filesRun, groups: groupsRun, admin: adminRun, targets: checks, totalSeconds: seconds(started),
  }, null, 2) + '\n');
  log(`wrote ${path.relative(root, file)}; whole run ${seconds(started).toFixed(0)} s`);
}

let stopped = false;
function stopServer() {
  if (stopped) return;
  stopped = true;
  server.stop(serverOptions);
  server.clean(process.env);
}
function cleanup() {
  try {
    stopServer();
  } catch (err) {
    console.error(`bench cleanup: ${err.message}`);
  }
}

for (const signal of [ 'SIGINT', 'SIGTERM' ]) {
  process.on(signal, () => {
    cleanup();
    process.exit(130);
  });
}

main().then(async () => {
  cleanup();
  await restoreBufferPool();
  process.exit(0);
}, async err => {
  console.error(`bench failed: ${err.stack || err.message}${err.cause ? `\ncause: ${err.cause.stack || err.cause}` : ''}`);
  cleanup();
  await restoreBufferPool().catch(() => undefined);
  process.exit(1);
});

