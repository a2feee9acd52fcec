'use strict';
// The measured scenarios, each an autocannon run against 127.0.0.1 that stops by itself.
const autocannon = require('autocannon');

const json = body => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

// Search keyword kinds (bench/handles.js), as the table names them.
const KINDS = { exact: 'exact names', prefix: 'prefixes', inner: 'inner substrings', none: 'misses', commonGrams: 'long, common grams' };
const kindKey = kind => `search${kind[0].toUpperCase()}${kind.slice(1)}`;

// `credentials` log in and out; `token` (another user's, so those logins never revoke it) searches.
// Each search scenario cycles through its kind's keywords, one per request; kinds missing from
// `keywords` are left out.
function scenarios({ credentials, token, keywords }) {
  const search = keyword => ({
    ...json({ keyword }), path: '/api/chat/searchUser', expect: 200,
    headers: { 'content-type': 'application/json', token },
  });
  const searchEach = list => {
    let next = 0;
    return {
      ...search(list[0]),
      requests: [{ setupRequest: request => ({ ...request, body: JSON.stringify({ keyword: list[next++ % list.length] }) }) }],
    };
  };
  // Searches before logins: scrypt work a login run leaves queued must not slow a search run.
  return [
    { name: 'baseline (unknown /api route, 404)', key: 'baseline', path: '/api/bench-unknown-route', method: 'POST', expect: 404 },
    ...Object.entries(KINDS).filter(([ kind ]) => keywords[kind]?.length).map(([ kind, label ]) => ({
      name: `searchUser, ${keywords[kind].length} ${label}`, key: kindKey(kind), ...searchEach(keywords[kind]),
    })),
    // Longer than any username: answered without a search query, so this is auth alone.
    { name: 'searchUser, 21-char keyword (auth only)', key: 'authOnly', ...search('q'.repeat(21)) },
    { name: 'loginChat', key: 'login', path: '/api/loginChat', ...json(credentials), expect: 200 },
    {
      name: 'login+logout cycle (2 requests)', key: 'loginLogout', expect: 200,
      requests: [
        {
          path: '/api/loginChat', ...json(credentials),
          onResponse: (status, body, context) => {
            if (status === 200) context.token = JSON.parse(body).data.token;
          },
        },
        {
          path: '/api/chat/logout', method: 'POST',
          setupRequest: (request, context) => {
            const token = context.token || 'none'; // a failed login leaves none: that logout is a 401
            context.token = undefined;
            return { ...request, headers: { ...request.headers, token } };
          },
        },
      ],
    },
  ];
}

const REQUEST_FIELDS = [ 'method', 'headers', 'body', 'requests' ];

function fire(url, scenario, connections, duration) {
  const request = Object.fromEntries(REQUEST_FIELDS.filter(field => field in scenario).map(field => [ field, scenario[field] ]));
  return autocannon({ url: `${url}${scenario.path || ''}`, connections, duration, timeout: 10, ...request });
}

// Waits until the server answers the baseline route quickly again: requests a run left
// queued (logins cost ~75 ms of CPU each) must finish before the next run starts.
async function settle(url, maxSeconds = 10) {
  const until = Date.now() + maxSeconds * 1000;
  let quick = 0;
  while (quick < 5 && Date.now() < until) {
    const started = Date.now();
    await fetch(`${url}/api/bench-unknown-route`, { method: 'POST' }).then(res => res.arrayBuffer());
    quick = Date.now() - started < 20 ? quick + 1 : 0;
    await new Promise(resolve => setTimeout(resolve, 100));
  }
}

// One scenario at one connection count: a short warm-up, then the measured run.
async function measure(url, scenario, connections, { duration, warmup }) {
  await settle(url);
  if (warmup > 0) {
    await fire(url, scenario, connections, warmup);
    await settle(url);
  }
  const result = await fire(url, scenario, connections, duration);
  const statuses = Object.fromEntries(Object.entries(result.statusCodeStats || {}).map(([ code, { count }]) => [ code, count ]));
  const unexpected = Object.entries(statuses).filter(([ code ]) => Number(code) !== scenario.expect)
    .reduce((sum, entry) => sum + entry[1], 0);
  return {
    scenario: scenario.key, name: scenario.name, connections,
    rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99,
    requests: result.requests.total, errors: result.errors, timeouts: result.timeouts, statuses, unexpected,
  };
}

module.exports = { scenarios, measure, SEARCH_KEYS: Object.keys(KINDS).map(kindKey) };
