'use strict';
// Builds the app and runs it in production mode (egg-scripts, cluster, one worker per core)
// on the bench's own port, title, database and Redis db.
const { spawnSync } = require('node:child_process');
const { mkdirSync } = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const eggScripts = path.join(root, 'node_modules', '.bin', 'egg-scripts');

function run(command, args, env, label) {
  const result = spawnSync(command, args, { cwd: root, env, stdio: [ 'ignore', 'pipe', 'pipe' ], encoding: 'utf8' });
  if (result.status !== 0) {
    throw new Error(`${label} failed (exit ${result.status}):\n${(result.stdout || '').slice(-2000)}${(result.stderr || '').slice(-2000)}`);
  }
  return result.stdout;
}

function build(env) {
  run('npm', [ 'run', 'build' ], env, 'npm run build');
}

function clean(env) {
  run('npm', [ 'run', 'clean' ], env, 'npm run clean');
}

// Logs stay under the bench's own folder (Egg writes to $EGG_HOME/logs in production).
function serverEnv(options) {
  const home = path.join(root, 'run', 'bench-home');
  mkdirSync(home, { recursive: true });
  return { home, env: { ...process.env, ...options.env, EGG_HOME: home, EGG_SERVER_ENV: 'prod', NODE_ENV: 'production' } };
}

function start(options) {
  const { home, env } = serverEnv(options);
  stop(options);
  run(eggScripts, [
    'start', '--daemon', `--title=${options.title}`, `--port=${options.port}`, `--workers=${options.workers}`,
    `--stdout=${path.join(home, 'master-stdout.log')}`, `--stderr=${path.join(home, 'master-stderr.log')}`,
    '--timeout=120000',
  ], env, 'egg-scripts start');
}

// Stops only the processes with the bench's title.
function stop(options) {
  const { env } = serverEnv(options);
  spawnSync(eggScripts, [ 'stop', `--title=${options.title}` ], { cwd: root, env, stdio: 'ignore', timeout: 60000 });
}

module.exports = { build, clean, start, stop };
