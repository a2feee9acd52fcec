'use strict';
// The friends part of `npm run bench` (README "Performance"): seeds friendships and
// applications with bulk SQL, opens sessions for the users it measures with, prints the plan of
// every friends query, and adds the friend scenarios and their targets. bench/index.js calls:
//   seed(connection, users)      after the users are seeded
//   SERVER_ENV                   merged into the server's environment
//   scenarios({ data, ... })     after the server is up: autocannon scenarios
//   targets(results)             the issue's targets, met or missed
const { randomBytes } = require('node:crypto');
const { readFileSync } = require('node:fs');
const Module = require('node:module');
const path = require('node:path');
const ts = require('typescript');
// ioredis comes with egg-redis; jsonwebtoken is a devDependency (the tests sign tokens with it too).
const Redis = require('ioredis');
const jwt = require('jsonwebtoken');

const FRIEND_MAX = 5000;
// The bench applies thousands of times from a few users: lift the per-applicant limit.
const SERVER_ENV = { FRIEND_MAX: String(FRIEND_MAX), FRIEND_APPLY_LIMIT: '1000000000', FRIEND_APPLY_WINDOW: '60' };
const INBOX_OWNERS = 1000;
const APPLICATIONS_PER_INBOX = 15;
const SAMPLE_PAIRS = 5000;
const CYCLE_PAIRS_MAX = 30000;
const BATCH = 5000;
const SURNAMES = [ ...'张王李赵刘陈杨黄周吴徐孙马朱胡郭何林罗高梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈彭吕苏卢蒋蔡贾丁魏薛叶余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文' ];
const GIVEN = [ ...'伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红' ];

// Park-Miller, as bench/seed.js: the same N gives the same friendships.
function prng(seed) {
  let state = (Math.abs(Math.floor(seed)) % 2147483646) + 1;
  return () => {
    state = (state * 48271) % 2147483647;
    return (state - 1) / 2147483646;
  };
}

const seconds = since => Number(process.hrtime.bigint() - since) / 1e9;

// Rows as multi-row INSERTs of BATCH rows.
async function insertAll(connection, sql, rows) {
  for (let i = 0; i < rows.length; i += BATCH) await connection.query(sql, [ rows.slice(i, i + BATCH) ]);
}

// Seeds, among the users that are neither gone nor visitors: one hub user with FRIEND_MAX
// friends, random friendships up to `users` pairs in all (both rows of each, inserted in key
// order), APPLICATIONS_PER_INBOX applications to each of INBOX_OWNERS users (pending, refused,
// ignored), and keeps aside fresh users, never friends nor applicants, for the apply+agree cycle.
async function seed(connection, users, log = () => undefined) {
  const started = process.hrtime.bigint();
  const random = prng(11);
  const [ rows ] = await connection.query(
    "SELECT id, uuid, username FROM `user` WHERE status = 1 AND is_deleted = 0 AND role = 'user' AND username NOT LIKE 'bench\\_%' ORDER BY id");
  const cyclePairs = Math.min(CYCLE_PAIRS_MAX, Math.floor(rows.length * 0.2));
  const fresh = rows.splice(rows.length - cyclePairs * 2);
  const [ hub, ...pool ] = rows;
  const pick = () => pool[Math.floor(random() * pool.length)];

  // Pairs as owner * 2^32 + friend: both directions, deduplicated, then sorted, so both the
  // primary key and uk_goodfriend_pair grow in order while inserting.
  const key = (a, b) => a * 4294967296 + b;
  const taken = new Set();
  // Claims the pair (a, b) for one row kind: friends or an application, never both.
  const claim = (a, b) => {
    if (a === b || taken.has(key(a, b))) return false;
    taken.add(key(a, b));
    taken.add(key(b, a));
    return true;
  };
  const pairs = [];
  const hubFriends = Math.min(FRIEND_MAX, pool.length);
  for (let i = 0; i < hubFriends; i++) if (claim(hub.id, pool[i].id)) pairs.push([ hub.id, pool[i].id ]);
  while (pairs.length < users) {
    const [ a, b ] = [ pick().id, pick().id ];
    if (claim(a, b)) pairs.push([ a, b ]);
  }

  const keys = new Float64Array(pairs.length * 2);
  pairs.forEach(([ a, b ], i) => {
    keys[2 * i] = key(a, b);
    keys[2 * i + 1] = key(b, a);
  });
  keys.sort();
  const now = new Date();
  const remark = () => (random() < 0.5 ? SURNAMES[Math.floor(random() * SURNAMES.length)] + GIVEN[Math.floor(random() * GIVEN.length)] : '');
  const friendRows = Array.from(keys, k => {
    const owner = Math.floor(k / 4294967296);
    // The hub's remarks: half Chinese names, so its page is grouped by pinyin as well as by letter.
    return [ owner, k % 4294967296, owner === hub.id ? remark() : '', now, now ];
  });
  // The list versions' triggers paused for the load, then one version per list (as the migration does).
  await connection.query('SET @friend_list_version_paused = 1');
  await insertAll(connection, 'INSERT INTO goodfriend (user_id, friend_id, nickname, create_time, update_time) VALUES ?', friendRows);
  await connection.query(`INSERT INTO friend_list_version (user_id, version) SELECT user_id, UUID_SHORT() FROM goodfriend GROUP BY user_id
    ON DUPLICATE KEY UPDATE version = VALUES(version)`);
  await connection.query('SET @friend_list_version_paused = NULL');
  log(`friends: ${pairs.length} friendships (${friendRows.length} rows; hub ${hub.username} has ${hubFriends}) in ${seconds(started).toFixed(1)} s`);

  const applied = process.hrtime.bigint();
  const inboxes = [];
  const applications = [];
  for (let i = 0; inboxes.length < Math.min(INBOX_OWNERS, pool.length / 10) && i < pool.length * 4; i++) {
    const owner = pick();
    if (owner.id === hub.id || inboxes.some(o => o.id === owner.id)) continue;
    inboxes.push(owner);
    for (let n = 0; n < APPLICATIONS_PER_INBOX; n++) {
      const applicant = pick();
      // Not friends, one row per ordered pair.
      if (!claim(applicant.id, owner.id)) continue;
      const roll = random();
      const status = roll < 0.6 ? 'pending' : roll < 0.8 ? 'refuse' : 'ignore';
      applications.push([ applicant.id, owner.id, '你好，我是' + applicant.username, status, now, now ]);
    }
  }
  // Applications arrive over time: in id order, whatever the owner. The inbox versions' triggers
  // paused for the load, then one version per inbox (as the migration does).
  await connection.query('SET @apply_inbox_version_paused = 1');
  await insertAll(connection, 'INSERT INTO goodfriendapply (user_id, friend_id, nickname, status, create_time, update_time) VALUES ?', applications);
  await connection.query(`INSERT INTO apply_inbox_version (user_id, version) SELECT friend_id, UUID_SHORT() FROM goodfriendapply GROUP BY friend_id
    ON DUPLICATE KEY UPDATE version = VALUES(version)`);
  await connection.query('SET @apply_inbox_version_paused = NULL');
  await connection.query('ANALYZE TABLE goodfriend, goodfriendapply');
  log(`friends: ${applications.length} applications to ${inboxes.length} users in ${seconds(applied).toFixed(1)} s`);

  // Friendships measured by the point reads: random ones (not the hub's).
  const sample = [];
  for (let i = hubFriends; sample.length < SAMPLE_PAIRS && i < pairs.length; i += Math.max(1, Math.floor((pairs.length - hubFriends) / SAMPLE_PAIRS))) {
    sample.push(pairs[i]);
  }
  const byId = new Map([ hub, ...pool ].map(user => [ user.id, user ]));
  const [[{ id: applicationId }]] = await connection.query('SELECT id FROM goodfriendapply WHERE friend_id = ? ORDER BY id LIMIT 1', [ inboxes[0].id ]);
  const firstApplicant = applications.find(row => row[1] === inboxes[0].id)[0];
  const plans = await explain(connection, {
    hub: hub.id, owner: inboxes[0].id, a: sample[0][0], b: sample[0][1], uuid: byId.get(sample[0][1]).uuid,
    applicant: firstApplicant, applicantUuid: byId.get(firstApplicant).uuid, applicationId,
    fresh: [ fresh[0].id, fresh[1].id ],
  });
  return {
    hub, inboxes, fresh, sample: sample.map(([ a, b ]) => [ byId.get(a), byId.get(b) ]), plans,
    summary: {
      friendships: pairs.length, goodfriendRows: friendRows.length, hubFriends, applications: applications.length,
      inboxes: inboxes.length, cyclePairs, seedSeconds: seconds(started),
    },
  };
}

// The very statements of the friends repository (app/repository/friends.sql.ts, which imports
// nothing; app/repository/friends.ts runs them), transpiled here so the plans come from the code
// that runs, before any build.
function friendsQueries() {
  const file = path.join(__dirname, '..', 'app', 'repository', 'friends.sql.ts');
  const { outputText } = ts.transpileModule(readFileSync(file, 'utf8'), {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 },
  });
  const loaded = new Module(file);
  loaded._compile(outputText, file);
  return loaded.exports.SQL;
}

// Each plan: what it is for, the statement, its values (bench users). Reads run with ANALYZE
// (real row counts per step); writes and locking reads are only EXPLAINed.
function statements(v) {
  const SQL = friendsQueries();
  const now = new Date();
  const mine = { me: v.a, friend: v.b };
  const friends = { a: v.a, b: v.b };
  const applied = { a: v.applicant, b: v.owner };
  return [
    [ 'goodfriendlist: a 2,000-friend page of the hub (5,000 friends)', SQL.friendPage, { me: v.hub, offset: 0, limit: 2000 }],
    [ 'goodfriendlist: the count, when the page does not tell it (the hub)', SQL.friendCount, { me: v.hub }],
    [ 'listapplyfriend: the inbox\'s version, read first (those of one turn in one statement)', SQL.inboxVersions(1).replace('?', ':me'), { me: v.owner }],
    [ 'listapplyfriend, when the version moved: page 1 of an inbox, with the pending count', SQL.inboxPage, { me: v.owner, offset: 0, limit: 10 }],
    [ 'listapplyfriend: the pending count alone (past the end)', SQL.pendingToMe, { me: v.owner }],
    [ 'getgoodfriendinfo', SQL.friendInfo, mine ],
    [ 'ismygoodfriend', SQL.myFriendRow, mine ],
    [ 'setstargoodfriend (setmeOrfriendCanSee alike): one UPDATE', SQL.setStar, { ...mine, ismystarfriend: null, now }],
    [ 'setblackgoodfriend: is there a block (under both users\' locks)', SQL.isBlockedBy, { blocker: v.a, blocked: v.b }],
    [ 'setblackgoodfriend: the blocker\'s row kept in step', SQL.setRowBlack, { blocker: v.a, blocked: v.b, isblack: 1, now }],
    [ 'after an UPDATE that changed nothing: 404 or 409?', SQL.myRowBlack, mine ],
    [ 'GET /api/userinfo/:uuid', SQL.profileByUuid, { uuid: v.uuid }],
    [ 'isApplyfriend/:uuid', SQL.pendingFrom, { me: v.owner, uuid: v.applicantUuid }],
    [ 'getUserSetInfo', SQL.settingsOf, { me: v.a, other: v.b }],
    [ 'updateUserinfo / userset: one UPDATE by primary key', SQL.setNickname, { value: 'x', now, id: v.a }],
    [ 'applyfriend, handleapply, deletegoodfriend, befriend: both users locked, lower id first', SQL.lockUsers, { ids: v.fresh }],
    [ 'applyfriend: the pair and both caps (the hub applying: 5,000 friends counted)', SQL.pairState, { a: v.hub, b: v.owner }],
    [ 'applyfriend from a new applicant: the new applicants\' pending to the target', SQL.newPendingTo, { b: v.owner, since: '2000-01-01 00:00:00.000' }],
    [ 'applyfriend: a refused application replaced', SQL.deleteApplication, applied ],
    [ 'handleapply: the application to me', SQL.applicationToMe, { id: v.applicationId, me: v.owner }],
    [ 'handleapply: its status under the locks', SQL.applicationStatus, { id: v.applicationId }],
    [ 'befriend: friend counts and existing rows of both sides (the hub and a fresh user)', SQL.pairSides, { a: v.hub, b: v.fresh[0] }],
    [ 'befriend: the pending applications of the pair agreed', SQL.agreePending, { ...applied, now }],
    [ 'deletegoodfriend: my row', SQL.myRowExists, friends ],
    [ 'deletegoodfriend: both rows', SQL.deleteFriendRows, friends ],
    [ 'deletegoodfriend: both directions\' applications (here: a pair with an application)', SQL.deleteApplications, applied ],
  ];
}

const PLAN_COLUMNS = [ 'table', 'type', 'key', 'ref', 'rows', 'r_rows', 'r_filtered', 'Extra' ];

async function explain(connection, values) {
  const plans = [];
  for (const [ title, sql, params ] of statements(values)) {
    const writes = /^\s*(UPDATE|DELETE|INSERT)\b|FOR UPDATE\s*$/i.test(sql);
    const [ rows ] = await connection.query({ sql: `${writes ? 'EXPLAIN' : 'ANALYZE'} ${sql}`, namedPlaceholders: true }, params);
    const header = PLAN_COLUMNS.filter(column => column in rows[0]);
    const lines = rows.map(row => header.map(column => {
      const value = row[column];
      if (value === null || value === undefined) return '-';
      return typeof value === 'number' && !Number.isInteger(value) ? value.toFixed(2) : String(value);
    }));
    const widths = header.map((h, i) => Math.max(h.length, ...lines.map(line => line[i].length)));
    const format = cells => cells.map((cell, i) => cell.padEnd(widths[i])).join('  ').trimEnd();
    plans.push(`-- ${title}\n${[ format(header), ...lines.map(format) ].join('\n')}`);
  }
  return plans;
}

// Sessions for the users the scenarios act as, written the way the server opens them (one
// sorted set per user in Redis, a signed token naming it): logging thousands of users in would
// spend the run on scrypt.
async function openSessions(users, { redisDb, secret, ttlSeconds = 2592000 }) {
  const redis = new Redis({
    host: process.env.REDIS_HOST || '127.0.0.1', port: Number(process.env.REDIS_PORT || 6379),
    password: process.env.REDIS_PASSWORD || undefined, db: Number(redisDb),
  });
  try {
    const iat = Math.floor(Date.now() / 1000);
    const pipeline = redis.pipeline();
    for (const user of users) {
      const sid = randomBytes(16).toString('base64url');
      pipeline.zadd(`im:sess:${user.id}`, Date.now() * 1000, sid);
      pipeline.pexpire(`im:sess:${user.id}`, ttlSeconds * 1000);
      user.token = jwt.sign({ id: user.id, uuid: user.uuid, username: user.username, role: 'user', sid, iat, exp: iat + ttlSeconds }, secret, { algorithm: 'HS256' });
    }
    await pipeline.exec();
  } finally {
    redis.disconnect();
  }
}

const any = list => list[Math.floor(Math.random() * list.length)];
const post = (path, token, body) => (body
  ? { method: 'POST', path, headers: { 'content-type': 'application/json', token }, body: JSON.stringify(body) }
  : { method: 'POST', path, headers: { token } });

// The friend scenarios, acting as many distinct users.
async function scenarios({ data, redisDb, secret }) {
  const { hub, inboxes, fresh, sample } = data;
  await openSessions([ hub, ...inboxes, ...new Set(sample.map(([ a ]) => a)), ...fresh ], { redisDb, secret });
  let next = 0;
  // Each cycle takes the next fresh pair; the bench stops well before they run out (see seed).
  const freshPair = () => {
    const i = next++ % (fresh.length / 2);
    return { a: fresh[2 * i], b: fresh[2 * i + 1] };
  };
  const one = (name, key, setupRequest) => ({ name, key, expect: 200, requests: [{ method: 'GET', path: '/', setupRequest }] });
  return [
    one('friends: goodfriendlist, a full 2,000-friend page (pages 1-2 of 5,000)', 'friendsList', (request, context) => {
      context.page = context.page === 1 ? 2 : 1;
      return { ...request, method: 'GET', path: `/api/chat/goodfriendlist/${context.page}`, headers: { token: hub.token } };
    }),
    one(`friends: listapplyfriend, ${inboxes.length} inboxes`, 'friendsInbox', request => {
      const owner = any(inboxes);
      return { ...request, method: 'GET', path: '/api/chat/listapplyfriend/1?limit=10', headers: { token: owner.token } };
    }),
    one(`friends: ismygoodfriend, ${sample.length} random pairs`, 'friendsIsMine', request => {
      const [ a, b ] = any(sample);
      return { ...request, ...post(`/api/chat/ismygoodfriend/${b.id}`, a.token) };
    }),
    one(`friends: getgoodfriendinfo, ${sample.length} random pairs`, 'friendsInfo', request => {
      const [ a, b ] = any(sample);
      return { ...request, method: 'GET', path: `/api/chat/getgoodfriendinfo/${b.id}`, headers: { token: a.token } };
    }),
    {
      name: 'friends: apply+agree cycle on fresh pairs (3 requests)', key: 'friendsCycle', expect: 200,
      requests: [
        {
          method: 'POST', path: '/api/chat/applyfriend',
          setupRequest: (request, context) => {
            context.pair = freshPair();
            return { ...request, ...post('/api/chat/applyfriend', context.pair.a.token, { friend_id: context.pair.b.id, nickname: '你好' }) };
          },
        },
        {
          method: 'POST', path: '/api/chat/isApplyfriend',
          setupRequest: (request, context) => ({ ...request, ...post(`/api/chat/isApplyfriend/${context.pair.a.uuid}`, context.pair.b.token) }),
          onResponse: (status, body, context) => {
            context.applicationId = status === 200 ? JSON.parse(body).data.id : 0;
          },
        },
        {
          method: 'POST', path: '/api/chat/handleapply',
          setupRequest: (request, context) =>
            ({ ...request, ...post(`/api/chat/handleapply/${context.applicationId || 0}`, context.pair.b.token, { status: 'agree' }) }),
        },
      ],
    },
  ];
}

const CYCLE_REQUESTS = 3;
const POINT_READS = [ 'friendsInbox', 'friendsIsMine', 'friendsInfo' ];
const pct = value => `${(value * 100).toFixed(1)} %`;

// The issue's targets, as ratios to the auth-only rate of the same run (same connections).
function targets(results) {
  const at = (scenario, connections) => results.find(r => r.scenario === scenario && r.connections === connections);
  const connectionCounts = [ ...new Set(results.filter(r => r.scenario === 'friendsList').map(r => r.connections)) ];
  const checks = [];

  const reads = POINT_READS.flatMap(key => connectionCounts.map(c => {
    const run = at(key, c);
    const auth = at('authOnly', c);
    return { run, ratio: run.rps / auth.rps, auth };
  }));
  const weakest = reads.reduce((a, b) => (b.ratio < a.ratio ? b : a));
  checks.push({
    target: 'friends point reads (listapplyfriend, ismygoodfriend, getgoodfriendinfo) >= 50 % of the auth-only rate',
    met: reads.every(r => r.ratio >= 0.5),
    figure: reads.map(r => `${r.run.name.split(',')[0].replace('friends: ', '')} @${r.run.connections} ${r.run.rps.toFixed(0)} req/s = ${pct(r.ratio)}`).join('; ') +
      ` (auth only: ${connectionCounts.map(c => `${at('authOnly', c).rps.toFixed(0)} @${c}`).join(', ')}); weakest ${pct(weakest.ratio)}`,
  });

  const page = at('friendsList', 10);
  checks.push({
    target: 'goodfriendlist, a full 2,000-friend page: p99 <= 50 ms at 10 connections',
    met: page.p99 <= 50,
    figure: `p50 ${page.p50} ms, p99 ${page.p99} ms, ${page.rps.toFixed(0)} pages/s ` +
      `(${pct(page.rps / at('authOnly', 10).rps)} of auth only; pages 1 and 2 served from their version: one version lookup, then 436 KB of kept JSON written)`,
  });

  const cycles = connectionCounts.map(c => ({ c, pairs: at('friendsCycle', c).rps / CYCLE_REQUESTS }));
  const best = cycles.reduce((a, b) => (b.pairs > a.pairs ? b : a));
  checks.push({
    target: 'apply+agree on fresh pairs >= 100 pairs/s',
    met: best.pairs >= 100,
    figure: cycles.map(({ c, pairs }) => `${pairs.toFixed(0)} pairs/s @${c}`).join(', ') +
      ` (${CYCLE_REQUESTS} requests a pair: apply, isApplyfriend, handleapply agree; two locking transactions)`,
  });
  return checks;
}

module.exports = { SERVER_ENV, seed, scenarios, targets, openSessions };
