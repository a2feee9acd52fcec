'use strict';
// What the bench scripts (index, profile) share: the MySQL server, the project's scripts run
// against the bench's own database, and scrypt in the app's stored format.
const { scrypt } = require('node:crypto');
const { spawnSync } = require('node:child_process');
const path = require('node:path');

const root = path.join(__dirname, '..');

const mysqlSettings = {
  host: process.env.MYSQL_HOST || '127.0.0.1', port: Number(process.env.MYSQL_PORT || 3306),
  user: process.env.MYSQL_USER || 'root', password: process.env.MYSQL_PASSWORD || '',
};

// scripts/<script> (db-migrate.js, search-reindex.js) on `database`; returns its output.
function runScript(script, database, label) {
  const result = spawnSync(process.execPath, [ path.join(root, 'scripts', script) ], {
    cwd: root, env: { ...process.env, MYSQL_DATABASE: database }, encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`${label} failed:\n${result.stdout}${result.stderr}`);
  return result.stdout;
}

const SALT = Buffer.from('bench-fixed-salt');

function scryptKey(password, cost) {
  return new Promise((resolve, reject) => {
    scrypt(password, SALT, 32, { N: cost, r: 8, p: 1, maxmem: 256 * cost * 8 }, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

// The password's hash as the app stores it, so seeded users share one hash and seeding hashes nothing.
async function storedHash(password, cost) {
  const key = await scryptKey(password, cost);
  return [ 'scrypt', cost, 8, 1, SALT.toString('base64'), key.toString('base64') ].join('$');
}

module.exports = { mysqlSettings, runScript, scryptKey, storedHash };
