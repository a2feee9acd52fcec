'use strict';
// npm run search:reindex: rebuilds the search index (user_search_gram) from the `user` table.
// Triggers keep the index in step with every write, so this is only needed after writes that
// bypass them: TRUNCATE TABLE user, or a bulk load that paused them
// (SET @user_search_gram_paused = 1). Online: the new index is built beside the old one and
// swapped in atomically; users written during the build are caught up after the swap.
const { existsSync } = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const envFile = path.join(root, '.env');
if (process.env.EGG_SERVER_ENV !== 'unittest' && existsSync(envFile)) process.loadEnvFile(envFile);

const mysql = require('mysql2/promise');
const settings = require('../database/config.js').development;

// The same grams as the triggers of migration 20261125000002-create-user-search-gram.js.
const gramsOfUsers = (table, where) => `
  INSERT IGNORE INTO ${table} (gram, is_prefix, user_id)
  SELECT SUBSTRING(u.username, s.pos, s.len) AS gram, s.is_prefix, u.id
  FROM \`user\` u JOIN user_search_gram_slot s ON s.pos + s.len - 1 <= CHAR_LENGTH(u.username)
  WHERE ${where}
  ORDER BY gram, s.is_prefix, u.id`;

async function reindex(connection) {
  const run = (sql, values) => connection.query(sql, values);
  // A non-locking read of `user`: logins and registrations go on during the build.
  await run('SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED');
  await run("SET SESSION time_zone = '+00:00'");
  await run('SET SESSION sort_buffer_size = 67108864');
  await run('DROP TABLE IF EXISTS user_search_gram_next, user_search_gram_old');
  await run('CREATE TABLE user_search_gram_next LIKE user_search_gram');
  const [[{ maxId, startedAt }]] = await run(
    'SELECT COALESCE(MAX(id), 0) AS maxId, NOW(3) AS startedAt FROM `user`');
  await run(gramsOfUsers('user_search_gram_next', 'u.id <= ?'), [ maxId ]);
  await run('RENAME TABLE user_search_gram TO user_search_gram_old, user_search_gram_next TO user_search_gram');
  // Rows written while the build ran had their grams written to the old table.
  await run(gramsOfUsers('user_search_gram', 'u.id > ? OR u.update_time >= ?'), [ maxId, startedAt ]);
  await run('DROP TABLE user_search_gram_old');
  // Fresh statistics: the optimizer picks the rarest gram of a keyword to drive a lookup.
  await run('ANALYZE TABLE user_search_gram');
  const [[{ users, grams }]] = await run(
    'SELECT (SELECT COUNT(*) FROM `user`) AS users, (SELECT COUNT(*) FROM user_search_gram) AS grams');
  return { users, grams };
}

async function main() {
  const connection = await mysql.createConnection({
    host: settings.host, port: settings.port, user: settings.username, password: settings.password,
    database: settings.database,
  });
  try {
    const started = process.hrtime.bigint();
    const { users, grams } = await reindex(connection);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    console.log(`search:reindex ${settings.database}: ${users} users, ${grams} grams in ${seconds.toFixed(1)} s`);
  } finally {
    await connection.end();
  }
}

if (require.main === module) {
  main().catch(err => {
    console.error(`search:reindex failed: ${err.message}`);
    process.exit(1);
  });
}

module.exports = { reindex };
