'use strict';
// npm run admin:create -- --username NAME --role super
// Creates an operator-console admin (CONTRACT-admin §2): the only way to make the first one.
// The password comes from ADMIN_PASSWORD or, when unset, from a prompt (not echoed). It must have
// at least 10 characters and not be on the shipped common-password list
// (app/lib/admin/passwordPolicy.ts); the hash is the app's scrypt format (app/lib/account/password.ts)
// with the app's own settings for the environment (appHashing below).
// An `admin.create` audit entry with no acting admin is written with the row.
const { existsSync } = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const envFile = path.join(root, '.env');
if (process.env.EGG_SERVER_ENV !== 'unittest' && existsSync(envFile)) process.loadEnvFile(envFile);

// The app's own rules: the compiled build's .js, or the TypeScript sources in a checkout.
if (!existsSync(path.join(root, 'app', 'lib', 'admin', 'passwordPolicy.js'))) {
  require('ts-node').register({ transpileOnly: true, project: path.join(root, 'tsconfig.json') });
}
const { adminPasswordReason, isAdminUsername } = require('../app/lib/admin/passwordPolicy');
const { isRole } = require('../app/lib/admin/roles');
const { hashPassword } = require('../app/lib/account/password');
const texts = require('../config/locale/en-US.json');
const mysql = require('mysql2/promise');
const settings = require('../database/config.js').development;

/**
 * The app's own scrypt settings in this environment: config.im.password as Egg builds it
 * (config/config.default.ts, then config/config.<env>.ts over it), so the hash is the one the app
 * makes with the parameters it would choose, whatever SCRYPT_COST and the environment say (the
 * test environment's cheaper default included).
 */
function appHashing() {
  const { NODE_ENV } = process.env;
  const env = process.env.EGG_SERVER_ENV || (NODE_ENV === 'production' ? 'prod' : NODE_ENV === 'test' ? 'unittest' : 'local');
  const pkg = require('../package.json');
  const appInfo = { name: pkg.name, baseDir: root, env, scope: '', root, HOME: require('node:os').homedir(), pkg };
  const load = name => {
    const module = require(path.join(root, 'config', name));
    return (module.default || module)(appInfo) || {};
  };
  const own = [ 'ts', 'js' ].some(ext => existsSync(path.join(root, 'config', `config.${env}.${ext}`))) ? load(`config.${env}`) : {};
  const { cost, blockSize, parallelization } = { ...load('config.default').im.password, ...(own.im && own.im.password) };
  return { cost, blockSize, parallelization };
}

function parseArgs(argv) {
  const args = {};
  for (let i = 0; i < argv.length; i++) {
    const match = /^--(username|role)(?:=(.*))?$/.exec(argv[i]);
    if (!match) throw new Error(`unknown argument "${argv[i]}" (usage: npm run admin:create -- --username NAME --role super|operator|viewer)`);
    args[match[1]] = match[2] !== undefined ? match[2] : argv[++i];
  }
  return args;
}

/**
 * Reads a line from the terminal without echoing it.
 * @param {string} question what to ask
 */
function prompt(question) {
  return new Promise((resolve, reject) => {
    const { stdin, stdout } = process;
    if (!stdin.isTTY) {
      let data = '';
      stdin.setEncoding('utf8');
      stdin.on('data', chunk => { data += chunk; });
      stdin.on('end', () => resolve(data.split(/\r?\n/)[0]));
      stdin.on('error', reject);
      stdout.write(question);
      return;
    }
    stdout.write(question);
    stdin.setRawMode(true);
    stdin.resume();
    stdin.setEncoding('utf8');
    let value = '';
    const onData = char => {
      if (char === '\r' || char === '\n' || char === '\u0004') {
        stdin.setRawMode(false);
        stdin.pause();
        stdin.removeListener('data', onData);
        stdout.write('\n');
        resolve(value);
      } else if (char === '\u0003') {
        process.exit(130);
      } else if (char === '\u007f') {
        value = value.slice(0, -1);
      } else {
        value += char;
      }
    };
    stdin.on('data', onData);
  });
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const role = args.role || 'super';
  if (!isAdminUsername(args.username)) throw new Error(texts.admin.error.username);
  if (!isRole(role)) throw new Error(texts.admin.error.role);
  const password = process.env.ADMIN_PASSWORD || await prompt('Password: ');
  const reason = adminPasswordReason(password);
  if (reason) throw new Error(reason === 'admin.password.common' ? texts.admin.password.common : texts.admin.password.length);
  const hash = await hashPassword(password, appHashing());
  const connection = await mysql.createConnection({
    host: settings.host, port: settings.port, user: settings.username, password: settings.password, database: settings.database, timezone: 'Z',
  });
  try {
    await connection.beginTransaction();
    const now = new Date();
    const [ result ] = await connection.query(
      'INSERT INTO admin_user (username, password_hash, role, totp_secret, status, create_time, update_time) VALUES (?, ?, ?, NULL, 1, ?, ?)',
      [ args.username, hash, role, now, now ]);
    await connection.query(
      'INSERT INTO admin_audit (admin_id, action, target_type, target_id, detail, ip, user_agent, create_time) VALUES (NULL, ?, ?, ?, ?, NULL, ?, ?)',
      [ 'admin.create', 'admin', result.insertId, JSON.stringify({ username: args.username, role }), 'npm run admin:create', now ]);
    await connection.commit();
    console.log(`admin "${args.username}" (${role}) created with id ${result.insertId}; log in at /admin`);
  } catch (err) {
    await connection.rollback().catch(() => undefined);
    if (err.code === 'ER_DUP_ENTRY') throw new Error(`an admin named "${args.username}" exists already`);
    throw err;
  } finally {
    await connection.end();
  }
}

main().catch(err => {
  console.error(`admin:create: ${err.message}`);
  process.exit(1);
});
