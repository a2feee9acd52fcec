'use strict';
// The history part of `npm run bench` and `npm run bench:profile` (docs/performance.md "The hot
// reads"): one conversation of MESSAGES messages between two friends of the friends seed, then
// GET /api/chat/history/:user_id pages of PAGE, each request at a random `before`, as one of
// them. bench/index.js calls seed(connection, pair) after friends.seed, scenarios({ pair })
// once the pair has sessions (friends.scenarios opens them), targets(results).
const MESSAGES = 10000;
const PAGE = 50;
const BATCH = 2000;

// The whole conversation in BATCH-row INSERTs, seq 1..MESSAGES, alternating senders.
async function seed(connection, [ a, b ]) {
  const [ lo, hi ] = a.id < b.id ? [ a, b ] : [ b, a ];
  await connection.query('DELETE FROM message WHERE conversation_id IN (SELECT id FROM conversation WHERE user_a = ? AND user_b = ?)', [ lo.id, hi.id ]);
  await connection.query('DELETE FROM conversation WHERE user_a = ? AND user_b = ?', [ lo.id, hi.id ]);
  const now = new Date();
  const [{ insertId: conversation }] = await connection.query(
    'INSERT INTO conversation (chat_type, user_a, user_b, last_seq, sent_a, sent_b, create_time, update_time) VALUES (1, ?, ?, ?, ?, ?, ?, ?)',
    [ lo.id, hi.id, MESSAGES, MESSAGES / 2, MESSAGES / 2, now, now ]);
  for (let start = 1; start <= MESSAGES; start += BATCH) {
    const rows = [];
    for (let seq = start; seq < start + BATCH && seq <= MESSAGES; seq++) {
      const [ from, to ] = seq % 2 ? [ lo, hi ] : [ hi, lo ];
      rows.push([ conversation, seq, from.id, to.id, 1, 'text', JSON.stringify(`消息 ${seq}: hello there, how are you today?`), '{}',
        from.username, 'https://example.com/a.png', to.username, 'https://example.com/b.png', `bench-${conversation}-${seq}`, 0,
        new Date(now.getTime() - (MESSAGES - seq) * 1000) ]);
    }
    await connection.query('INSERT INTO message (conversation_id, seq, from_id, to_id, chat_type, type, data, options, from_name, ' +
      'from_avatar, to_name, to_avatar, send_uuid, isremove, create_time) VALUES ?', [ rows ]);
  }
  await connection.query('UPDATE conversation SET last_message_id = (SELECT MAX(id) FROM message WHERE conversation_id = ?) WHERE id = ?',
    [ conversation, conversation ]);
  return { messages: MESSAGES, page: PAGE };
}

// As `a` (a session opened by friends.scenarios), pages of PAGE at random points of the conversation.
function scenarios([ a, b ]) {
  return [{
    name: `history: a ${MESSAGES}-message conversation, pages of ${PAGE} at random points`, key: 'history', expect: 200,
    method: 'GET', path: `/api/chat/history/${b.id}?limit=${PAGE}`, headers: { token: a.token },
    requests: [{
      setupRequest: request => ({
        ...request, method: 'GET', headers: { token: a.token },
        path: `/api/chat/history/${b.id}?limit=${PAGE}&before=${PAGE + 1 + Math.floor(Math.random() * (MESSAGES - PAGE))}`,
      }),
    }],
  }];
}

const pct = value => `${(value * 100).toFixed(1)} %`;

// Issue 19: history of a 10,000-message conversation (page of 50) >= 50 % of the auth-only rate, at each connection count.
function targets(results) {
  const at = (scenario, connections) => results.find(r => r.scenario === scenario && r.connections === connections);
  const runs = results.filter(r => r.scenario === 'history').map(run => ({ run, auth: at('authOnly', run.connections) })).filter(r => r.auth);
  if (!runs.length) return [];
  const ratios = runs.map(({ run, auth }) => ({ run, auth, ratio: run.rps / auth.rps }));
  const weakest = ratios.reduce((x, y) => (y.ratio < x.ratio ? y : x));
  return [{
    target: `history of a ${MESSAGES}-message conversation (pages of ${PAGE}) >= 50 % of the auth-only rate`,
    met: ratios.every(r => r.ratio >= 0.5),
    figure: ratios.map(({ run, auth, ratio }) => `@${run.connections} ${run.rps.toFixed(0)} req/s = ${pct(ratio)} of ${auth.rps.toFixed(0)}, p99 ${run.p99} ms`).join('; ') +
      (weakest.ratio >= 0.5 ? '' : ` (weakest ${pct(weakest.ratio)}: a page is one statement's share of a turn, 50 digests in MariaDB and 50 kept ` +
        'messages on top of the auth step; the first history run starts on empty caches, docs/performance.md "history: messages kept serialized")'),
  }];
}

module.exports = { seed, scenarios, targets, MESSAGES, PAGE };
