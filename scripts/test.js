'use strict';
// `npm test` (after `pretest`): runs test/**/*.test.ts in TEST_JOBS `egg-bin test` processes at
// once, each on its own MySQL database (<MYSQL_DATABASE>_<n>, migrated here first), its own Redis
// database (REDIS_DB + n - 1) and its own port range (TEST_PORT_OFFSET + (n - 1) * 20), as
// cnpmcore gives each test pool its own database. The tests wait on I/O and timers far more than
// they compute, so a few processes share two cores well. The files of ALONE then run by
// themselves in one more process, because what they check is disturbed by other processes.
// Every process prints mocha's usual 'N passing' / 'N failing'; the last line sums them up
// ('N passed, N failed'), and a failure anywhere fails the run.
//
//   node scripts/test.js                      every test file
//   node scripts/test.js test/a.test.ts ...   only these files
//   TEST_JOBS=1 node scripts/test.js          one process, like a plain `egg-bin test`
const { spawn } = require('node:child_process');
const { readdirSync } = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const PORT_STEP = 20; // wider than the suite's blocks of fixed ports (6381-6394, 7140-7152)

/** Files that run alone, in this order, after the parallel part, and why. */
const ALONE = {
  // Compares login time medians within 20 %: the other processes' load would skew it.
  'test/app/hardening/timing.test.ts': 'measures the time of logins',
  'test/app/admin/timing.test.ts': 'measures the time of admin logins',
  // Reads InnoDB state of the whole server (INNODB_TRX lock waits, the global Innodb_deadlocks
  // counter): lock waits of another process's database would count as its own.
  'test/app/friends/lockConflicts.test.ts': 'reads server-wide InnoDB lock waits and deadlock counters',
  // Expects Retry-After within 5 s of the window after 20 registrations (20 scrypt hashes): with
  // the other processes on the same cores they took longer once.
  'test/app/hardening/rateLimit.test.ts': 'needs 20 registrations within 5 s',
  // Every route must answer 503 within the contract's 3 s while MySQL hangs: the query timeout
  // takes 2 s of them, and with two other processes on the cores a searchUser took 3,005 ms.
  'test/app/hardening/dependencyFaults.test.ts': 'answers within 3 s behind a 2 s query timeout',
  // The reconnect storm (CONTRACT-client-behaviour §2): after a 10 s outage the client opens 1,024
  // sockets at once, which must settle within the contract's 5 s; with two other processes on the
  // same two cores (load average 12-17) the handshakes took longer twice.
  'test/app/messaging/clientBehaviour.test.ts': 'settles 1,024 handshakes within the contract\'s 5 s',
  // Seeds and re-indexes 100,000 users: meanwhile MariaDB answers the other processes' queries
  // more slowly than the app's 2 s query timeout allows (seen as 'Query inactivity timeout').
  // Last, so no test has to empty its tables after it.
  'test/app/account/searchPlan.test.ts': 'loads MariaDB with 100,000 users',
};

/**
 * Rough seconds per file on a quiet machine, to spread the slow ones over the processes (the
 * rest count as DEFAULT_COST). Only the balance depends on them, never a result.
 */
const COST = {
  'test/app/messaging/cluster.test.ts': 68, // compiles the app, starts a 2-worker cluster
  'test/app/files/screenshot.test.ts': 40, // runs ffmpeg
  'test/app/admin/cluster.test.ts': 65, // compiles the app, starts a 2-worker cluster
  'test/app/admin/browser.test.ts': 40, // headless Chromium
  'test/app/admin/adminCreate.test.ts': 90, // runs scripts/admin-create.js (compiles the sources) several times
  'test/app/admin/console.test.ts': 30,
  'test/app/files/upload.test.ts': 32,
  'test/app/hardening/dependencyFaults.test.ts': 26,
  'test/app/account/loginChat.test.ts': 25,
  'test/app/account/searchUser.test.ts': 21,
  'test/app/account/search.service.test.ts': 20,
  'test/docs/openapi.test.ts': 17,
  'test/app/account/regChat.test.ts': 15,
  'test/app/hardening/sessions.test.ts': 15,
  'test/app/messaging/sendmessage.test.ts': 15,
  'test/app/friends/concurrency.test.ts': 13,
  'test/app/groups/concurrency.test.ts': 10,
  'test/app/groups/hostileInput.test.ts': 8,
  'test/app/groups/join.test.ts': 6,
  'test/app/visitors/admission.test.ts': 13,
  'test/app/messaging/delivery.test.ts': 11,
  'test/app/files/serve.test.ts': 10,
  'test/app/messaging/autoAddFriend.test.ts': 10,
  'test/deploy/topologies.test.ts': 8,
  'test/app/messaging/socket.test.ts': 8,
  'test/app/friends/applications.test.ts': 8,
  'test/app/friends/profiles.test.ts': 8,
  'test/app/friends/access.test.ts': 7,
  'test/app/friends/applyfriend.test.ts': 7,
  'test/app/groups/messages.test.ts': 7, // many sockets, waits for frames that must not come
  'test/app/groups/messagesHistory.test.ts': 6,
  'test/app/groups/messagesRace.test.ts': 8, // rounds of concurrent sends and membership changes
  'test/app/messaging/sendBatchCluster.test.ts': 60, // compiles the app, a 2-worker cluster, workers killed
  'test/app/messaging/sendBatch.test.ts': 10, // lock wait timeouts
};
const DEFAULT_COST = 3;

function envInt(name, fallback, min) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) {
    console.error(`${name} must be an integer >= ${min}, got "${raw}"`);
    process.exit(2);
  }
  return value;
}

function testFiles(dir = 'test') {
  return readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap(entry => {
    const file = `${dir}/${entry.name}`;
    if (entry.isDirectory()) return entry.name === 'fixtures' || entry.name === 'node_modules' ? [] : testFiles(file);
    return entry.name.endsWith('.test.ts') ? [ file ] : [];
  }).sort();
}

// Longest first, each to the least loaded process: shards of about equal time.
function shard(files, count) {
  const shards = Array.from({ length: count }, () => ({ files: [], cost: 0 }));
  const cost = file => COST[file] ?? DEFAULT_COST;
  for (const file of [ ...files ].sort((a, b) => cost(b) - cost(a) || a.localeCompare(b))) {
    const lightest = shards.reduce((best, s) => (s.cost < best.cost ? s : best));
    lightest.files.push(file);
    lightest.cost += cost(file);
  }
  return shards.filter(s => s.files.length).map(s => s.files.sort());
}

const children = new Set();
for (const signal of [ 'SIGINT', 'SIGTERM' ]) {
  process.on(signal, () => {
    for (const child of children) {
      try { process.kill(-child.pid, signal); } catch { /* already gone */ }
    }
    process.exit(130);
  });
}

// Runs a command in its own process group; resolves with its exit code and output.
function run(command, args, env, { live = false } = {}) {
  return new Promise(resolve => {
    const child = spawn(command, args, {
      cwd: root, env: { ...process.env, ...env }, detached: true,
      stdio: [ 'ignore', 'pipe', 'pipe' ],
    });
    children.add(child);
    let output = '';
    const collect = to => chunk => {
      output += chunk;
      if (live) to.write(chunk);
    };
    child.stdout.on('data', collect(process.stdout));
    child.stderr.on('data', collect(process.stderr));
    child.on('close', code => {
      children.delete(child);
      resolve({ code: code ?? 1, output });
    });
  });
}

const count = (output, word) => [ ...output.matchAll(new RegExp(`^\\s*(\\d+) ${word}\\b`, 'gm')) ]
  .reduce((sum, match) => sum + Number(match[1]), 0);

/**
 * Mocha's failure report (from its 'N failing' line on, at most 6,000 characters), or ''.
 * @param {string} output a process's whole output
 * @return {string} the report
 */
function failuresOf(output) {
  const start = output.search(/^\s*\d+ failing\b/m);
  return start < 0 ? '' : output.slice(start, start + 6000).trimEnd();
}

async function main() {
  const jobs = envInt('TEST_JOBS', 3, 1);
  const database = process.env.MYSQL_DATABASE || 'chat_unittest';
  const redisDb = envInt('REDIS_DB', 1, 0);
  const portOffset = envInt('TEST_PORT_OFFSET', 0, 0);
  const eggBin = path.join(root, 'node_modules', '.bin', 'egg-bin');
  const files = process.argv.length > 2 ? process.argv.slice(2) : testFiles();
  const started = Date.now();
  const seconds = since => `${Math.round((Date.now() - since) / 1000)} s`;

  // One process: exactly a plain `egg-bin test` on the databases `pretest` migrated.
  if (jobs === 1) {
    const { code, output } = await run(eggBin, [ 'test', ...files ], {}, { live: true });
    const failed = count(output, 'failing') || (code ? 1 : 0);
    console.log(`${count(output, 'passing')} passed, ${failed} failed`);
    process.exit(code);
  }

  const envOf = n => ({
    MYSQL_DATABASE: `${database}_${n}`,
    REDIS_DB: String(redisDb + n - 1),
    TEST_PORT_OFFSET: String(portOffset + (n - 1) * PORT_STEP),
    // Interleaved processes would garble mochawesome's shared report file; spec prints the same.
    TEST_REPORTER: process.env.TEST_REPORTER || 'spec',
    // `pretest` type-checks the whole tree once (tsc:check): the processes skip ts-node's type
    // check (seconds of CPU each) and egg-ts-helper's typings (see eggArgs).
    TS_NODE_TRANSPILE_ONLY: process.env.TS_NODE_TRANSPILE_ONLY || 'true',
  });
  // Without --no-declarations each process would rewrite typings/ while the others read it.
  const eggArgs = list => [ 'test', '--no-declarations', ...list ];
  const parallel = shard(files.filter(file => !ALONE[file]), jobs);
  const alone = Object.keys(ALONE).filter(file => files.includes(file));

  // Each process's database, created and migrated like the one `pretest` prepares (the files
  // that run alone use the first one).
  const databases = Math.max(parallel.length, alone.length ? 1 : 0);
  const migrations = await Promise.all(Array.from({ length: databases }, (_, i) => run(process.execPath, [ 'scripts/db-migrate.js' ],
    { ...envOf(i + 1), EGG_SERVER_ENV: 'unittest' })));
  const failedMigration = migrations.find(result => result.code !== 0);
  if (failedMigration) {
    process.stdout.write(failedMigration.output);
    console.error('migrating the test databases failed');
    process.exit(1);
  }

  console.log(`${files.length} test files: ${parallel.length} processes at once (TEST_JOBS=${jobs}), then ${alone.length} alone`);
  for (const file of alone) console.log(`  alone: ${file} (${ALONE[file]})`);
  const results = [];
  const report = (name, env, result, since) => {
    const summary = { name, passed: count(result.output, 'passing'), failed: count(result.output, 'failing'), code: result.code, failures: failuresOf(result.output) };
    // A process that died before mocha's summary fails the run even with no failing test counted.
    if (summary.code !== 0 && summary.failed === 0) summary.failed = 1;
    results.push(summary);
    console.log(`\n===== ${name} (MYSQL_DATABASE=${env.MYSQL_DATABASE} REDIS_DB=${env.REDIS_DB} TEST_PORT_OFFSET=${env.TEST_PORT_OFFSET}), ${seconds(since)}`);
    return summary;
  };

  await Promise.all(parallel.map(async (shardFiles, i) => {
    const env = envOf(i + 1);
    const since = Date.now();
    console.log(`process ${i + 1}/${parallel.length} started: ${shardFiles.join(' ')}`);
    const result = await run(eggBin, eggArgs(shardFiles), env);
    report(`process ${i + 1}/${parallel.length}: ${shardFiles.length} files`, env, result, since);
    process.stdout.write(result.output);
  }));

  // One process per file: egg-bin sorts the files it is given, which would run searchPlan's
  // 100,000-user load first and the timing tests in its wake.
  for (const file of alone) {
    const env = envOf(1);
    const since = Date.now();
    const result = await run(eggBin, eggArgs([ file ]), env);
    report(`alone: ${file}`, env, result, since);
    process.stdout.write(result.output);
  }

  console.log(`\nAll ${files.length} files in ${seconds(started)}:`);
  for (const r of results) console.log(`  ${r.name}: ${r.passed} passed, ${r.failed} failed${r.code ? ` (exit code ${r.code})` : ''}`);
  const passed = results.reduce((sum, r) => sum + r.passed, 0);
  const failed = results.reduce((sum, r) => sum + r.failed, 0);
  // The failures again, last, so that the tail of a long log names them.
  for (const r of results.filter(r => r.failures)) console.log(`\n----- failures of ${r.name}\n${r.failures}`);
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed || results.some(r => r.code !== 0) ? 1 : 0);
}

main().catch(err => {
  console.error(err);
  process.exit(1);
});
