'use strict';
// The groups part of `npm run bench` (docs/performance.md), against the production server
// bench/index.js started. Groups are made through the API (POST group/create by a user whose
// friends are seeded with SQL), so the bench measures the code path a client takes:
//   1. a group of GROUP_SIZE (500) members, every member online over WebSocket: group messages
//      paced at 10/s (5,000 frames/s), latency from the POST's start to the frame at the LAST
//      member, lost and duplicated frames; then a closed loop for the saturation rate in frames/s;
//   2. groupinfo of that group for a member at 10 connections;
//   3. grouplist of a user in 100 groups (page 1, the client's default size), vs auth-only;
//   4. create of a 100-member group.
// bench/index.js calls SERVER_ENV (merged into the server's environment), then after the other
// scenarios run(...) and targets(...).
const mysql = require('mysql2/promise');
const { openSessions } = require('./friends');
const { openAll, settle } = require('./messaging');
const { measure } = require('./load');

const GROUP_SIZE = 500;
const LISTER_GROUPS = 100;
const CREATE_SIZE = 100;
const PACED_RATE = 10;
const TARGETS = { pacedP99Ms: 250, infoP99Ms: 100, listShareOfAuth: 0.5, createP99Ms: 300 };

// The bench creates hundreds of groups as a few users: lift the per-user limits.
const SERVER_ENV = {
  GROUP_CREATE_LIMIT: '1000000', GROUP_MAX_OWNED: '1000000', GROUP_JOIN_LIMIT: '1000000', GROUP_PREVIEW_LIMIT: '1000000',
};

const sleep = ms => new Promise(resolve => setTimeout(resolve, ms));
const nowMs = () => Number(process.hrtime.bigint()) / 1e6;
const percentile = (sorted, p) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil(p / 100 * sorted.length) - 1)] : NaN);
// The list turned left by `by` places.
const rotate = (list, by) => list.slice(by % list.length).concat(list.slice(0, by % list.length));
const fixed = (value, digits = 1) => (Number.isFinite(value) ? value.toFixed(digits) : '-');

async function call(url, method, path, token, body) {
  const res = await fetch(`${url}${path}`, {
    method, headers: { token, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined,
  });
  const json = await res.json();
  if (res.status !== 200) throw new Error(`${method} ${path} answered ${res.status} ${JSON.stringify(json).slice(0, 200)}`);
  return json.data;
}

// Friendships owner <-> each of `friends` (both rows), then the owner's friend-list entry ids, in
// the order of `friends` (what create takes, as the course's client sends them).
async function befriend(connection, owner, friends) {
  const now = new Date();
  const rows = friends.flatMap(friend => [[ owner.id, friend.id, now, now ], [ friend.id, owner.id, now, now ]]);
  await connection.query('INSERT IGNORE INTO goodfriend (user_id, friend_id, create_time, update_time) VALUES ?', [ rows ]);
  const [ entries ] = await connection.query('SELECT id, friend_id FROM goodfriend WHERE user_id = ? AND friend_id IN (?)', [ owner.id, friends.map(f => f.id) ]);
  const byFriend = new Map(entries.map(entry => [ entry.friend_id, entry.id ]));
  return friends.map(friend => byFriend.get(friend.id));
}

// The caller's newest group (grouplist page 1 is newest first).
async function newestGroup(url, user) {
  const [ group ] = await call(url, 'GET', '/api/chat/grouplist/1?limit=1', user.token);
  return group;
}

// Per message: when its POST started, how many members got it, when the last one did; and
// every (message, member) seen once, so a second frame counts as a duplicate.
function fanoutTracker(receivers) {
  const sent = new Map(); // id -> { at, got, last }
  const seen = new Set();
  let duplicated = 0;
  let errors = 0;
  let frames = 0;
  return {
    onFrame(id, user) {
      const key = `${id}:${user.id}`;
      if (seen.has(key)) {
        duplicated++;
        return;
      }
      seen.add(key);
      frames++;
      const entry = sent.get(id);
      if (entry) {
        entry.got++;
        entry.last = nowMs();
      }
    },
    sent(id, at) {
      // Frames may beat the POST's answer: count those already seen.
      const got = [ ...receivers ].filter(uid => seen.has(`${id}:${uid}`)).length;
      sent.set(id, { at, got, last: got ? nowMs() : NaN });
    },
    failed() { errors++; },
    get frames() { return frames; },
    async settle(ms = 10000) {
      const until = Date.now() + ms;
      while (Date.now() < until && [ ...sent.values() ].some(entry => entry.got < receivers.size - 1)) await sleep(50);
    },
    // `expected` frames per message: every member but the sender.
    summary(since = 0) {
      const measured = [ ...sent.values() ].filter(entry => entry.at >= since);
      const expected = receivers.size - 1;
      const complete = measured.filter(entry => entry.got >= expected);
      const latencies = complete.map(entry => entry.last - entry.at).sort((a, b) => a - b);
      return {
        messages: measured.length, errors, duplicated,
        lost: measured.reduce((sum, entry) => sum + Math.max(0, expected - entry.got), 0),
        p50: percentile(latencies, 50), p99: percentile(latencies, 99), max: latencies.at(-1),
      };
    },
  };
}

async function sendGroup(url, sender, groupId, text) {
  const res = await fetch(`${url}/api/chat/socket/sendmessage`, {
    method: 'POST', headers: { 'content-type': 'application/json', token: sender.token },
    body: JSON.stringify({ sendto_id: groupId, chatType: 'group', type: 'text', data: { data: text, dataType: false, otherData: null } }),
  });
  const body = await res.json();
  return res.status === 200 ? body.data.id : null;
}

// Paced: `rate` messages/s for `duration` s, senders taken in turn from the members.
async function paced(url, senders, groupId, rate, duration, track) {
  const started = nowMs();
  const total = Math.round(rate * duration);
  const pending = [];
  for (let i = 0; i < total; i++) {
    const due = started + i * 1000 / rate;
    if (due > nowMs()) await sleep(due - nowMs());
    const at = nowMs();
    pending.push(sendGroup(url, senders[i % senders.length], groupId, `paced ${i}`).then(id => (id ? track.sent(id, at) : track.failed()), () => track.failed()));
  }
  await Promise.all(pending);
  return (nowMs() - started) / 1000;
}

// Closed loop: `connections` sends in flight for `duration` s.
async function closedLoop(url, senders, groupId, connections, duration, track) {
  const until = Date.now() + duration * 1000;
  const started = nowMs();
  let next = 0;
  await Promise.all(Array.from({ length: connections }, async () => {
    while (Date.now() < until) {
      const i = next++;
      const at = nowMs();
      const id = await sendGroup(url, senders[i % senders.length], groupId, `loop ${i}`).catch(() => null);
      if (id) track.sent(id, at);
      else track.failed();
    }
  }));
  return (nowMs() - started) / 1000;
}

async function run({ url, port, database, mysqlSettings, redisDb, secret, results, duration, warmup, log }) {
  const connection = await mysql.createConnection({ ...mysqlSettings, database });
  const sockets = [];
  try {
    // Users from the top of the id range that no other scenario logs in as.
    const [ users ] = await connection.query(
      "SELECT id, uuid, username FROM `user` WHERE status = 1 AND is_deleted = 0 AND role = 'user' AND username NOT LIKE 'bench\\_%' " +
      'ORDER BY id DESC LIMIT ?', [ GROUP_SIZE + CREATE_SIZE + 2 ]);
    const owner = users[0];
    const members = users.slice(1, GROUP_SIZE);
    const lister = users[GROUP_SIZE];
    const creator = users[GROUP_SIZE + 1];
    const createFriends = users.slice(GROUP_SIZE + 2, GROUP_SIZE + 2 + CREATE_SIZE - 1);
    await openSessions([ owner, ...members, lister, creator ], { redisDb, secret, ttlSeconds: 3600 });

    // The big group, made by its owner from 499 friends.
    const bigEntries = await befriend(connection, owner, members);
    await call(url, 'POST', '/api/chat/group/create', owner.token, { userIds: bigEntries });
    const big = await newestGroup(url, owner);
    // The lister's 100 groups (the owner and the lister), and the creator's 99 friends.
    const [ listerEntry ] = await befriend(connection, owner, [ lister ]);
    for (let i = 0; i < LISTER_GROUPS; i++) await call(url, 'POST', '/api/chat/group/create', owner.token, { userIds: [ listerEntry ] });
    const createEntries = await befriend(connection, creator, createFriends);
    log(`groups: a ${GROUP_SIZE}-member group (id ${big.id}), ${LISTER_GROUPS} groups of ${lister.username}, ${creator.username} has ${createEntries.length} friends`);

    // Every member of the big group online.
    const everyone = [ owner, ...members ];
    const receivers = new Set(everyone.map(user => user.id));
    let track = fanoutTracker(receivers);
    const opened = await openAll(port, everyone, 50, (id, user) => track.onFrame(id, user));
    sockets.push(...opened.sockets);
    log(`groups: ${opened.sockets.length} member sockets open (${opened.failed} failed)`);

    // Warm-up, then paced at 10 messages/s.
    await closedLoop(url, everyone, big.id, 2, warmup, track);
    await track.settle();
    track = fanoutTracker(receivers);
    await settle(url);
    const pacedSeconds = await paced(url, everyone, big.id, PACED_RATE, duration, track);
    await track.settle();
    const pacedRun = { ...track.summary(), rate: PACED_RATE, seconds: pacedSeconds, framesPerSecond: track.frames / pacedSeconds };
    log(`groups: paced ${PACED_RATE} msg/s to ${receivers.size} members: to the last member p50 ${fixed(pacedRun.p50)} ms, ` +
      `p99 ${fixed(pacedRun.p99)} ms, lost ${pacedRun.lost}, duplicated ${pacedRun.duplicated}, errors ${pacedRun.errors}`);

    // Saturation: 4 sends in flight.
    track = fanoutTracker(receivers);
    await settle(url);
    const loopStarted = nowMs();
    const loopSeconds = await closedLoop(url, everyone, big.id, 4, duration, track);
    await track.settle(20000);
    const drained = (nowMs() - loopStarted) / 1000;
    const saturated = { ...track.summary(), seconds: loopSeconds, framesPerSecond: track.frames / drained };
    saturated.messagesPerSecond = saturated.messages / loopSeconds;
    log(`groups: saturation ${fixed(saturated.messagesPerSecond)} msg/s = ${fixed(saturated.framesPerSecond, 0)} frames/s ` +
      `(to the last member p99 ${fixed(saturated.p99)} ms), lost ${saturated.lost}, duplicated ${saturated.duplicated}`);
    for (const ws of sockets.splice(0)) ws.terminate();

    // The read and create scenarios.
    let createNext = 0;
    const scenarios = [
      { name: `groupinfo of a ${GROUP_SIZE}-member group, as a member`, key: 'groupInfo', method: 'GET', path: `/api/chat/groupinfo/${big.id}`,
        headers: { token: members[0].token }, expect: 200, connections: [ 10 ] },
      { name: `grouplist page 1 of a user in ${LISTER_GROUPS} groups`, key: 'groupList', method: 'GET', path: '/api/chat/grouplist/1',
        headers: { token: lister.token }, expect: 200, connections: [ 10, 50 ] },
      { name: `group/create of a ${CREATE_SIZE}-member group`, key: 'groupCreate', method: 'POST', path: '/api/chat/group/create',
        headers: { 'content-type': 'application/json', token: creator.token }, expect: 200, connections: [ 2 ],
        // The order of the friends rotates, so each group is a new set of rows in another order.
        requests: [{ setupRequest: request => ({ ...request, body: JSON.stringify({ userIds: rotate(createEntries, createNext++) }) }) }] },
    ];
    const own = [];
    for (const scenario of scenarios) {
      for (const connections of scenario.connections) {
        const result = await measure(url, scenario, connections, { duration, warmup });
        log(`${scenario.name} @${connections}: ${result.rps.toFixed(0)} req/s, p50 ${result.p50} ms, p99 ${result.p99} ms`);
        own.push(result);
      }
    }
    results.push(...own);
    const authOnly = connections => results.find(r => r.scenario === 'authOnly' && r.connections === connections);
    return { groupSize: receivers.size, paced: pacedRun, saturated, authOnly10: authOnly(10)?.rps, authOnly50: authOnly(50)?.rps };
  } finally {
    for (const ws of sockets) ws.terminate();
    await connection.end();
  }
}

function targets(run, results) {
  const at = (scenario, connections) => results.find(r => r.scenario === scenario && r.connections === connections);
  const info = at('groupInfo', 10);
  const list = at('groupList', 50);
  const auth = at('authOnly', 50);
  const create = at('groupCreate', 2);
  const clean = r => r && !r.unexpected && !r.errors && !r.timeouts;
  const { paced, saturated } = run;
  return [
    { target: `group messages at ${PACED_RATE}/s to ${run.groupSize} online members: p99 to the last member <= ${TARGETS.pacedP99Ms} ms, 0 lost, 0 duplicated`,
      met: paced.p99 <= TARGETS.pacedP99Ms && paced.lost === 0 && paced.duplicated === 0 && paced.errors === 0,
      figure: `p99 ${fixed(paced.p99)} ms (p50 ${fixed(paced.p50)}), ${fixed(paced.framesPerSecond, 0)} frames/s; ` +
        `lost ${paced.lost}, duplicated ${paced.duplicated}, failed sends ${paced.errors}` },
    { target: 'group messages: the saturation rate in frames per second (a figure, no target), 0 lost, 0 duplicated',
      met: saturated.lost === 0 && saturated.duplicated === 0,
      figure: `${fixed(saturated.framesPerSecond, 0)} frames/s (${fixed(saturated.messagesPerSecond)} msg/s, 4 in flight); lost ${saturated.lost}, duplicated ${saturated.duplicated}` },
    { target: `groupinfo of a ${run.groupSize}-member group p99 <= ${TARGETS.infoP99Ms} ms at 10 connections`,
      met: clean(info) && info.p99 <= TARGETS.infoP99Ms, figure: info ? `p99 ${info.p99} ms, ${fixed(info.rps, 0)} req/s` : 'not measured' },
    { target: `grouplist of a user in ${LISTER_GROUPS} groups >= ${TARGETS.listShareOfAuth * 100} % of the auth-only rate`,
      met: clean(list) && auth && list.rps / auth.rps >= TARGETS.listShareOfAuth,
      figure: list && auth ? `${fixed(list.rps, 0)} req/s = ${fixed(list.rps / auth.rps * 100)} % of ${fixed(auth.rps, 0)} at 50 connections` : 'not measured' },
    { target: `create of a ${CREATE_SIZE}-member group p99 <= ${TARGETS.createP99Ms} ms`,
      met: clean(create) && create.p99 <= TARGETS.createP99Ms, figure: create ? `p99 ${create.p99} ms at 2 connections, ${fixed(create.rps, 1)} groups/s` : 'not measured' },
  ];
}

// For bench/profile.js: the same two read scenarios on groups seeded with SQL (no notices, no
// sockets): a GROUP_SIZE-member group read by a member, and a user in LISTER_GROUPS groups.
async function seedReads(connection, { redisDb, secret }) {
  const [ users ] = await connection.query(
    "SELECT id, uuid, username FROM `user` WHERE status = 1 AND is_deleted = 0 AND role = 'user' AND username NOT LIKE 'bench\\_%' " +
    'ORDER BY id DESC LIMIT ?', [ GROUP_SIZE + 1 ]);
  const owner = users[0];
  const members = users.slice(1, GROUP_SIZE);
  const lister = users[GROUP_SIZE];
  const now = new Date();
  const group = async (name, memberIds) => {
    const [{ insertId }] = await connection.query('INSERT INTO chat_group (uuid, user_id, name, avatar, remark, invite_confirm, status, `order`, create_time, update_time) ' +
      "VALUES (UUID(), ?, ?, '', '', 0, 1, 50, ?, ?)", [ owner.id, name, now, now ]);
    await connection.query('INSERT INTO chat_group_user (group_id, user_id, nickname, avatar, status, `order`, invited_by, apply_desc, join_seq, create_time, update_time) VALUES ?',
      [ memberIds.map(id => [ insertId, id, '', '', 1, 50, id === owner.id ? null : owner.id, '', 0, now, now ]) ]);
    return insertId;
  };
  const big = await group('bench big group', [ owner.id, ...members.map(m => m.id) ]);
  for (let i = 0; i < LISTER_GROUPS; i++) await group(`bench list group ${i}`, [ owner.id, lister.id ]);
  await openSessions([ members[0], lister ], { redisDb, secret });
  const get = (name, key, path, token) => ({ name, key, expect: 200, method: 'GET', path, headers: { token } });
  return [
    get(`groups: groupinfo of a ${GROUP_SIZE}-member group, as a member`, 'groupInfo', `/api/chat/groupinfo/${big}`, members[0].token),
    get(`groups: grouplist page 1 of a user in ${LISTER_GROUPS} groups`, 'groupList', '/api/chat/grouplist/1', lister.token),
  ];
}

module.exports = { SERVER_ENV, run, targets, seedReads };
