'use strict';
// npm run bench:compare -- <git ref>: the 404 baseline, the auth-only request and a prefix search
// (COMPARE_KEYS adds the hot reads that bench:profile seeds: friendsInbox, offline, groupInfo,
// groupList, history) of the working tree against those of <ref>, each built and started (BENCH_WORKERS
// workers, default 1) on its own port,
// measured in alternation (before, after, after, before, ...) so that whatever else runs on
// the machine weighs on both alike. Needs the database bench:profile seeded (same variables).
const { execSync } = require('node:child_process');
const { mkdirSync, rmSync, symlinkSync } = require('node:fs');
const path = require('node:path');
const { randomBytes } = require('node:crypto');
const { scenarios, measure } = require('./load');
const { COMMON_PREFIXES: PREFIXES } = require('./handles');
const mysql = require('mysql2/promise');
const { mysqlSettings } = require('./common');
const { openSessions } = require('./friends');
const history = require('./history');

const root = path.join(__dirname, '..');
const ref = process.argv[2];
if (!ref) throw new Error('usage: npm run bench:compare -- <git ref>');
const database = process.env.BENCH_DATABASE || 'chat_bench_profile';
const port = Number(process.env.BENCH_PORT || 7106);
const title = process.env.BENCH_TITLE || 'im-bench-profile';
const rounds = Number(process.env.PROFILE_ROUNDS || 4);
const duration = Number(process.env.BENCH_DURATION || 8);
const workers = Number(process.env.BENCH_WORKERS || 1);
const KEYS = [ 'baseline', 'authOnly', 'searchPrefix', ...(process.env.COMPARE_KEYS ? process.env.COMPARE_KEYS.split(',') : []) ]
  .filter((key, i, all) => all.indexOf(key) === i);
const SEARCHER = { username: 'bench_search', password: 'bench-password-1' };
const log = message => console.log(`[compare ${new Date().toISOString().slice(11, 19)}] ${message}`);

// The ref's tree, extracted (never checked out) next to the working tree's run/ files.
const refRoot = path.join(root, 'run', 'compare-ref');
rmSync(refRoot, { recursive: true, force: true });
mkdirSync(refRoot, { recursive: true });
execSync(`git archive ${JSON.stringify(ref)} | tar -x -C ${JSON.stringify(refRoot)}`, { cwd: root });
symlinkSync(path.join(root, 'node_modules'), path.join(refRoot, 'node_modules'));

const env = {
  MYSQL_DATABASE: database, REDIS_DB: process.env.BENCH_REDIS_DB || '14',
  JWT_SECRET: randomBytes(32).toString('hex'), SCRYPT_COST: '16384',
};
const sides = [
  { name: `before (${ref})`, server: require(path.join(refRoot, 'bench', 'server.js')), port: port + 1, title: `${title}-ref` },
  { name: 'after (working tree)', server: require('./server'), port, title },
].map(side => ({ ...side, options: { title: side.title, port: side.port, workers, env: { ...env, PORT: String(side.port), APP_TITLE: side.title } } }));

async function token(url) {
  const res = await fetch(`${url}/api/loginChat`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(SEARCHER) });
  if (res.status !== 200) throw new Error(`login at ${url} answered ${res.status}`);
  return (await res.json()).data.token;
}

const any = list => list[Math.floor(Math.random() * list.length)];

// The hot reads on what bench:profile seeded (its applications and groups), as users whose
// sessions are opened here (both sides share the secret and the Redis database).
async function hotReads() {
  const connection = await mysql.createConnection({ ...mysqlSettings, database });
  try {
    const [ inboxes ] = await connection.query('SELECT u.id, u.uuid, u.username FROM `user` u JOIN ' +
      '(SELECT friend_id FROM goodfriendapply GROUP BY friend_id ORDER BY friend_id LIMIT 1000) a ON a.friend_id = u.id');
    const [[ big ]] = await connection.query("SELECT id FROM chat_group WHERE name = 'bench big group' ORDER BY id DESC LIMIT 1");
    const [[ reader ]] = await connection.query('SELECT u.id, u.uuid, u.username FROM chat_group_user m JOIN `user` u ON u.id = m.user_id ' +
      'WHERE m.group_id = ? AND m.user_id <> (SELECT user_id FROM chat_group WHERE id = ?) ORDER BY m.id LIMIT 1', [ big.id, big.id ]);
    // bench/history.js's conversation (the newest of its size), read by its first user.
    const [ pair ] = await connection.query('SELECT u.id, u.uuid, u.username FROM conversation c JOIN `user` u ON u.id IN (c.user_a, c.user_b) ' +
      'WHERE c.id = (SELECT MAX(id) FROM conversation WHERE last_seq = ? AND group_id IS NULL) ORDER BY u.id', [ history.MESSAGES ]);
    const [[ lister ]] = await connection.query('SELECT u.id, u.uuid, u.username FROM chat_group_user m JOIN chat_group g ON g.id = m.group_id JOIN `user` u ON u.id = m.user_id ' +
      "WHERE g.name LIKE 'bench list group %' AND m.user_id <> g.user_id LIMIT 1");
    await openSessions([ ...inboxes, reader, lister, ...pair ], { redisDb: env.REDIS_DB, secret: env.JWT_SECRET });
    const get = (key, path, token) => ({ name: key, key, expect: 200, method: 'GET', path, headers: { token } });
    return [
      { name: 'friendsInbox', key: 'friendsInbox', expect: 200, requests: [{ method: 'GET', path: '/', setupRequest: request => ({
        ...request, method: 'GET', path: '/api/chat/listapplyfriend/1?limit=10', headers: { token: any(inboxes).token } }) }] },
      get('groupInfo', `/api/chat/groupinfo/${big.id}`, reader.token),
      get('groupList', '/api/chat/grouplist/1', lister.token),
      ...(pair.length === 2 ? history.scenarios(pair) : []),
    ];
  } finally {
    await connection.end();
  }
}

async function main() {
  const hot = KEYS.length > 3 ? await hotReads() : [];
  for (const side of sides) {
    side.server.build(process.env);
    side.server.start(side.options);
    side.url = `http://127.0.0.1:${side.port}`;
    const searcher = await token(side.url);
    side.scenarios = [
      ...scenarios({ credentials: SEARCHER, token: searcher, keywords: { prefix: PREFIXES } }), ...hot,
      { name: 'offline', key: 'offline', expect: 200, method: 'POST', path: '/api/chat/chatGetmessageOffLine', headers: { token: searcher } },
    ];
    side.runs = Object.fromEntries(KEYS.map(key => [ key, []]));
  }
  for (let round = 0; round < rounds; round++) {
    for (const key of KEYS) {
      for (const side of round % 2 ? [ ...sides ].reverse() : sides) {
        const run = await measure(side.url, side.scenarios.find(s => s.key === key), 50, { duration, warmup: 2 });
        if (run.unexpected || run.errors) throw new Error(`${side.name} ${key}: ${JSON.stringify(run.statuses)}`);
        side.runs[key].push(run.rps);
        log(`${side.name} ${key}: ${run.rps.toFixed(0)} req/s`);
      }
    }
  }
  const median = list => [ ...list ].sort((a, b) => a - b)[Math.floor(list.length / 2)];
  console.log(`\n${workers} worker(s), 50 connections, ${rounds} alternating rounds of ${duration} s; medians, each run in brackets\n`);
  console.log(`| side | ${KEYS.join(' req/s | ')} req/s | ${KEYS.slice(1).map(k => `${k} / baseline`).join(' | ')} |`);
  console.log(`|---|${KEYS.map(() => '---:').join('|')}|${KEYS.slice(1).map(() => '---:').join('|')}|`);
  for (const side of sides) {
    const cells = KEYS.map(key => `${median(side.runs[key]).toFixed(0)} (${side.runs[key].map(v => v.toFixed(0)).join(', ')})`);
    const ratios = KEYS.slice(1).map(key => `${(median(side.runs[key]) / median(side.runs.baseline) * 100).toFixed(1)} %`);
    console.log(`| ${side.name} | ${cells.join(' | ')} | ${ratios.join(' | ')} |`);
  }
}

function cleanup() {
  for (const side of sides) {
    try {
      side.server.stop(side.options);
    } catch (err) {
      console.error(`compare cleanup: ${err.message}`);
    }
  }
  sides[1].server.clean(process.env);
}
for (const signal of [ 'SIGINT', 'SIGTERM' ]) process.on(signal, () => { cleanup(); process.exit(130); });
main().then(() => { cleanup(); process.exit(0); }, err => {
  console.error(`compare failed: ${err.stack || err.message}`);
  cleanup();
  process.exit(1);
});
