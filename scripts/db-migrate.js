'use strict';
// npm run db:migrate: creates the database when it is missing, then applies
// database/migrations with sequelize-cli. Reads .env like the app does (outside tests).
const { existsSync } = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const root = path.join(__dirname, '..');
const envFile = path.join(root, '.env');
if (process.env.EGG_SERVER_ENV !== 'unittest' && existsSync(envFile)) process.loadEnvFile(envFile);

const mysql = require('mysql2/promise');
const settings = require('../database/config.js').development;

async function main() {
  const connection = await mysql.createConnection({
    host: settings.host, port: settings.port, user: settings.username, password: settings.password,
  });
  await connection.query(
    `CREATE DATABASE IF NOT EXISTS \`${settings.database.replace(/`/g, '``')}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  await connection.end();

  const cli = require.resolve('sequelize-cli/lib/sequelize');
  const result = spawnSync(process.execPath, [ cli, 'db:migrate' ], { cwd: root, stdio: 'inherit', env: process.env });
  process.exit(result.status ?? 1);
}

main().catch(err => {
  console.error(`db:migrate failed: ${err.message}`);
  process.exit(1);
});
