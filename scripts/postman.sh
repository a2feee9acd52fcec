#!/usr/bin/env bash
# Last step of `npm test`: builds the app, runs it in production mode (egg-scripts cluster, like
# `npm start`), runs docs/postman_collection.json against it with newman, then stops it with
# `npm stop` while a request is in flight (scripts/drain-check.js). Whatever happens, the server
# is stopped and the compiled .js are removed (`npm run clean`) on exit.
#
# Uses the test database and Redis db (MYSQL_DATABASE, default chat_unittest; REDIS_DB, default 1),
# port NEWMAN_PORT (7011) and process title NEWMAN_APP_TITLE, so it never touches a server
# started by `npm start` on this host.
set -euo pipefail
cd "$(dirname "$0")/.."

port=${NEWMAN_PORT:-$((7011 + ${TEST_PORT_OFFSET:-0}))}
title=${NEWMAN_APP_TITLE:-im-user-service-newman}
logs=$(mktemp -d "${TMPDIR:-/tmp}/im-newman.XXXXXX")
secret=$(node -p "require('node:crypto').randomBytes(32).toString('hex')")

# The production server gets exactly this environment, not the test runner's (no EGG_SERVER_ENV
# =unittest, no ts-node from egg-bin): a random secret, the test database, its own port/title/logs.
server() {
  env -i PATH="$PATH" HOME="${HOME:-/tmp}" \
    EGG_SERVER_ENV=prod NODE_ENV=production PORT="$port" APP_TITLE="$title" LOG_DIR="$logs" \
    JWT_SECRET="$secret" \
    MYSQL_HOST="${MYSQL_HOST:-127.0.0.1}" MYSQL_PORT="${MYSQL_PORT:-3306}" MYSQL_USER="${MYSQL_USER:-root}" \
    MYSQL_PASSWORD="${MYSQL_PASSWORD:-}" MYSQL_DATABASE="${MYSQL_DATABASE:-chat_unittest}" \
    REDIS_HOST="${REDIS_HOST:-127.0.0.1}" REDIS_PORT="${REDIS_PORT:-6379}" REDIS_PASSWORD="${REDIS_PASSWORD:-}" \
    REDIS_DB="${REDIS_DB:-1}" UPLOAD_DIR="$logs/uploads" "$@"
}

cleanup() {
  local status=$?
  server npm stop >/dev/null 2>&1 || true
  npm run clean >/dev/null 2>&1 || true
  if [ "$status" -ne 0 ]; then echo "postman.sh failed; server logs kept in $logs" >&2; else rm -rf "$logs"; fi
  exit "$status"
}
trap cleanup EXIT

# The suite's last test files leave their Redis state behind (e.g. the failed-login counters of
# the timing test): the collection starts from an empty test Redis db, as every test does.
REDIS_DB="${REDIS_DB:-1}" node -e '
  const Redis = require("ioredis");
  const redis = new Redis({ host: process.env.REDIS_HOST || "127.0.0.1", port: Number(process.env.REDIS_PORT || 6379),
    password: process.env.REDIS_PASSWORD || undefined, db: Number(process.env.REDIS_DB) });
  redis.flushdb().then(() => redis.quit(), err => { console.error(err.message); process.exit(1); });
'

npm run build
server npm start -- --stdout="$logs/master-stdout.log" --stderr="$logs/master-stderr.log"

# egg-scripts returns once the workers listen; wait for the dependencies too.
node -e '
  const url = process.argv[1];
  (async () => {
    for (let i = 0; i < 60; i++) {
      try { if ((await fetch(url)).status === 200) return; } catch {}
      await new Promise(resolve => setTimeout(resolve, 500));
    }
    console.error(`${url} did not answer 200 within 30 s`);
    process.exit(1);
  })();
' "http://127.0.0.1:$port/api/health"

npx --no-install newman run docs/postman_collection.json -e docs/postman_environment.json \
  --env-var "baseUrl=http://127.0.0.1:$port" --bail failure

server node scripts/drain-check.js
