// The production build in Egg's cluster mode (egg-scripts, 2 workers) for a describe block: built
// to a temporary folder (this checkout keeps no compiled .js), started with its own title, port,
// logs and environment, stopped and removed after the block.
import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { app } from 'egg-mock/bootstrap';

const run = promisify(execFile);
const root = path.join(__dirname, '..');
const eggScripts = path.join(root, 'node_modules', '.bin', 'egg-scripts');
const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms));

/** Starts the cluster in `before` (waits for /api/health), stops it in `after`; `env` adds to the test database, Redis db and a fresh JWT secret. */
export function productionCluster(name: string, port: number, env: Record<string, string>) {
  const title = `egg-server-${name}-${port}`;
  const state = { dir: '', logs: '' };
  const environment = () => ({
    PATH: process.env.PATH!, HOME: state.dir, EGG_SERVER_ENV: 'prod', NODE_ENV: 'production', LOG_DIR: state.logs,
    JWT_SECRET: randomBytes(32).toString('hex'), SCRYPT_COST: '16384',
    MYSQL_DATABASE: app.model.getDatabaseName(), REDIS_DB: String((app.config.redis.client as any).db), ...env,
  });
  const base = `http://127.0.0.1:${port}`;

  before(async () => {
    state.dir = mkdtempSync(path.join(os.tmpdir(), `im-${name}-`));
    state.logs = path.join(state.dir, 'logs');
    const out = path.join(state.dir, 'app');
    await run(path.join(root, 'node_modules', '.bin', 'tsc'), [ '-p', path.join(root, 'tsconfig.json'), '--outDir', out ], { cwd: root });
    copyFileSync(path.join(root, 'package.json'), path.join(out, 'package.json'));
    cpSync(path.join(root, 'config', 'locale'), path.join(out, 'config', 'locale'), { recursive: true });
    // The operator console's templates and assets (tsc compiles neither).
    for (const dir of [ 'view', 'public' ]) cpSync(path.join(root, 'app', dir), path.join(out, 'app', dir), { recursive: true });
    symlinkSync(path.join(root, 'node_modules'), path.join(out, 'node_modules'));
    mkdirSync(state.logs);
    await run(eggScripts, [ 'start', '--daemon', `--title=${title}`, `--port=${port}`, '--workers=2',
      `--stdout=${state.logs}/master-stdout.log`, `--stderr=${state.logs}/master-stderr.log` ], { cwd: out, env: environment() });
    for (let i = 0; (await fetch(`${base}/api/health`).then(r => r.status, () => 0)) !== 200; i++) {
      assert.ok(i < 100, 'the cluster did not answer /api/health');
      await sleep(200);
    }
  });

  after(async () => {
    if (!state.dir) return;
    await run(eggScripts, [ 'stop', `--title=${title}` ], { cwd: path.join(state.dir, 'app'), env: environment() }).catch(() => undefined);
    rmSync(state.dir, { recursive: true, force: true });
  });

  return {
    base,
    /** Egg's log folder of the cluster (access.log among them). */
    get logs() { return state.logs; },
  };
}
