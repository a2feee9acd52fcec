// README "Deploying": the app boots and serves the whole flow with MySQL read replicas, Redis
// Sentinel and Redis Cluster, configured only through the environment. Throwaway Redis servers
// run on this suite's ports (6381-6389) and are stopped at the end; the shared ones are untouched.
import { strict as assert } from 'node:assert';
import { ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { MockApplication } from 'egg-mock';
import { mock } from 'egg-mock/bootstrap';
import { PASSWORD } from '../helpers';
import { messagingFlow } from '../app/messaging/support';
import { testPort } from '../ports';

const run = promisify(execFile);
const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms));
const SENTINEL_PORT = testPort(6381);
const SENTINEL_MASTER_PORT = testPort(6382);
const CLUSTER_PORTS = [ 6383, 6384, 6385 ].map(testPort);

async function waitForPort(port: number) {
  for (let i = 0; i < 50; i++) {
    const open = await new Promise<boolean>(resolve => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => { socket.destroy(); resolve(true); });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await sleep(100);
  }
  throw new Error(`nothing listens on ${port}`);
}

const cli = async (...args: string[]) => (await run('redis-cli', args)).stdout.trim();

/** Boots a second app whose configuration sees `env` (restored once it is loaded). */
async function bootWith(env: Record<string, string>): Promise<MockApplication> {
  const saved = Object.fromEntries(Object.keys(env).map(key => [ key, process.env[key] ]));
  Object.assign(process.env, env);
  try {
    const app = mock.app({ cache: false });
    await app.ready();
    return app;
  } finally {
    for (const [ key, value ] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  }
}

/** Register, log in, search, log out through the app; returns the user id. */
async function wholeFlow(app: MockApplication, name: string): Promise<number> {
  const http = () => app.httpRequest();
  const user = (await http().post('/api/regChat').send({ username: name, password: PASSWORD }).expect(200)).body.data;
  await http().post('/api/regChat').send({ username: `${name}_b`, password: PASSWORD }).expect(200);
  const { token } = (await http().post('/api/loginChat').send({ username: name, password: PASSWORD }).expect(200)).body.data;
  const found = await http().post('/api/chat/searchUser').set('token', token).send({ keyword: name }).expect(200);
  assert.deepEqual(found.body.data.map((u: { username: string }) => u.username), [ `${name}_b` ]);
  await http().post('/api/chat/logout').set('token', token).expect(200);
  await http().post('/api/chat/logout').set('token', token).expect(401);
  await http().post('/api/chat/searchUser').set('token', user.token).send({ keyword: name }).expect(200);
  await http().get('/api/health').expect(200);
  return user.id;
}

describe('deployment topologies (config from the environment)', () => {
  const processes: ChildProcess[] = [];
  let dir: string;

  function redisServer(...args: string[]) {
    const child = spawn('redis-server', [ ...args, '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir ], { stdio: 'ignore' });
    processes.push(child);
    return child;
  }

  before(() => { dir = mkdtempSync(path.join(os.tmpdir(), 'im-topologies-')); });

  after(async () => {
    for (const child of processes) child.kill();
    await Promise.all(processes.map(child => (child.exitCode === null ? new Promise(resolve => child.once('exit', resolve)) : null)));
    rmSync(dir, { recursive: true, force: true });
  });

  it('MySQL read replicas (MYSQL_READ_HOSTS): separate read and write pools, the whole flow works', async () => {
    const app = await bootWith({ MYSQL_READ_HOSTS: '127.0.0.1:3306' });
    try {
      const { replication } = app.model.options as any;
      assert.deepEqual(replication.read.map((r: any) => `${r.host}:${r.port}`), [ '127.0.0.1:3306' ]);
      const pool = (app.model as any).connectionManager.pool;
      assert(pool.read && pool.write, 'Sequelize keeps separate read and write pools');
      await wholeFlow(app, 'replica_u');
      assert(pool.read.size >= 1 && pool.write.size >= 1, 'both pools were used');
    } finally {
      await app.close();
    }
  });

  it('Redis Sentinel (REDIS_SENTINELS): sessions live on the master the sentinel names', async () => {
    redisServer('--port', String(SENTINEL_MASTER_PORT));
    await waitForPort(SENTINEL_MASTER_PORT);
    const conf = path.join(dir, 'sentinel.conf');
    writeFileSync(conf, `port ${SENTINEL_PORT}\nbind 127.0.0.1\nsentinel monitor immaster 127.0.0.1 ${SENTINEL_MASTER_PORT} 1\n`);
    redisServer(conf, '--sentinel');
    await waitForPort(SENTINEL_PORT);
    assert.equal(await cli('-p', String(SENTINEL_PORT), 'sentinel', 'get-master-addr-by-name', 'immaster'), `127.0.0.1\n${SENTINEL_MASTER_PORT}`);

    const app = await bootWith({ REDIS_SENTINELS: `127.0.0.1:${SENTINEL_PORT}`, REDIS_SENTINEL_NAME: 'immaster', REDIS_DB: '0' });
    try {
      assert.deepEqual((app.redis as any).options.sentinels, [{ host: '127.0.0.1', port: SENTINEL_PORT }]);
      const id = await wholeFlow(app, 'sentinel_u');
      assert.equal(await cli('-p', String(SENTINEL_MASTER_PORT), 'exists', `im:sess:${id}`), '1');
    } finally {
      await app.close();
    }
  });

  it('Redis Cluster (REDIS_CLUSTER_NODES): the one-key session script runs on a 3-node cluster', async () => {
    for (const port of CLUSTER_PORTS) {
      redisServer('--port', String(port), '--cluster-enabled', 'yes', '--cluster-config-file', path.join(dir, `nodes-${port}.conf`));
    }
    await Promise.all(CLUSTER_PORTS.map(waitForPort));
    await cli('--cluster', 'create', ...CLUSTER_PORTS.map(port => `127.0.0.1:${port}`), '--cluster-replicas', '0', '--cluster-yes');
    for (let i = 0; !(await cli('-p', String(CLUSTER_PORTS[0]), 'cluster', 'info')).includes('cluster_state:ok'); i++) {
      assert(i < 50, 'cluster did not reach cluster_state:ok');
      await sleep(100);
    }

    const app = await bootWith({ REDIS_CLUSTER_NODES: CLUSTER_PORTS.map(port => `127.0.0.1:${port}`).join(',') });
    try {
      assert.equal(app.redis.constructor.name, 'Cluster');
      const id = await wholeFlow(app, 'cluster_u');
      assert.equal(await cli('-c', '-p', String(CLUSTER_PORTS[0]), 'exists', `im:sess:${id}`), '1');
      // Messaging's scripts touch several keys of one user ({uid} hash tag: one slot).
      await messagingFlow(app, 'cluster_m');
    } finally {
      await app.close();
    }
  });
});
