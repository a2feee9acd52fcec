import { strict as assert } from 'node:assert';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import * as accounts from '../../config/sections/accounts';
import * as admin from '../../config/sections/admin';
import * as database from '../../config/sections/database';
import { Env, processEnv } from '../../config/sections/env';
import * as friends from '../../config/sections/friends';
import * as groups from '../../config/sections/groups';
import * as messaging from '../../config/sections/messaging';
import * as metrics from '../../config/sections/metrics';
import * as security from '../../config/sections/security';
import * as server from '../../config/sections/server';
import * as visitors from '../../config/sections/visitors';

// House rule: every environment variable the code reads is documented in .env.example AND in
// the README's configuration table, with its default.

const root = path.join(__dirname, '..', '..');

/** Variables the code reads that are not the app's configuration. */
const NOT_CONFIGURATION: Record<string, string> = {
  EGG_SERVER_ENV: 'Egg\'s own environment switch (prod, unittest), described in the README\'s commands',
  TEST_REPORTER: 'scripts/test.js passes it on to the test processes',
  TS_NODE_TRANSPILE_ONLY: 'scripts/test.js passes it on to the test processes',
};

/** The only places allowed to read process.env by a computed name: the typed readers. */
const COMPUTED_READERS = [ 'app/lib/env.ts', 'scripts/test.js' ];

/** Where the app and its scripts read the environment. */
function sourceFiles(): string[] {
  const files = [ 'app.ts', 'agent.ts', 'package.json' ];
  const walk = (dir: string) => {
    for (const entry of readdirSync(path.join(root, dir), { withFileTypes: true })) {
      const file = path.posix.join(dir, entry.name);
      if (entry.isDirectory()) walk(file);
      else if (/\.ts$/.test(entry.name) && !entry.name.endsWith('.d.ts')) files.push(file);
      // Compiled output (npm run build) sits next to its .ts source: read the source only.
      else if (/\.js$/.test(entry.name) && !readdirSync(path.join(root, dir)).includes(entry.name.replace(/\.js$/, '.ts'))) files.push(file);
    }
  };
  for (const dir of [ 'app', 'config', 'scripts', 'database' ]) walk(dir);
  return files.filter(file => existsSync(path.join(root, file)));
}

const READS = [
  /\benv(?:Int|String|Bool|Choice|HostList)\(\s*['"]([A-Z][A-Z0-9_]*)['"]/g,
  /\bprocess\.env\.([A-Z][A-Z0-9_]*)/g,
  /\bprocess\.env\[\s*['"]([A-Z][A-Z0-9_]*)['"]\s*\]/g,
  /\$\{([A-Z][A-Z0-9_]*):-/g, // package.json scripts: ${PORT:-7001}
];

/** variable -> the files that read it. */
function variablesRead(): Map<string, string[]> {
  const found = new Map<string, string[]>();
  for (const file of sourceFiles()) {
    const text = readFileSync(path.join(root, file), 'utf8');
    for (const pattern of READS) {
      for (const match of text.matchAll(pattern)) found.set(match[1], [ ...new Set([ ...found.get(match[1]) ?? [], file ]) ]);
    }
  }
  return found;
}

function envExampleVariables(): Set<string> {
  const text = readFileSync(path.join(root, '.env.example'), 'utf8');
  return new Set([ ...text.matchAll(/^([A-Z][A-Z0-9_]*)=/gm) ].map(match => match[1]));
}

/** The backticked names in the first column of the README's "## Configuration" table. */
function readmeTableVariables(): Set<string> {
  const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
  const start = readme.search(/^## Configuration\s*$/m);
  assert.ok(start >= 0, 'README.md has no "## Configuration" section');
  const rest = readme.slice(start + 1);
  const end = rest.search(/^## /m);
  const section = end < 0 ? rest : rest.slice(0, end);
  const names = new Set<string>();
  for (const row of section.split('\n').filter(line => line.startsWith('|'))) {
    const firstCell = row.split('|')[1] ?? '';
    for (const match of firstCell.matchAll(/`([A-Z][A-Z0-9_]*)`/g)) names.add(match[1]);
  }
  assert.ok(names.size > 0, 'the README\'s configuration table is empty');
  return names;
}

/** Env readers that remember every name asked for, answering as the real ones do. */
function recordingEnv(names: Set<string>): Env {
  const record = <F extends (key: string, ...rest: any[]) => any>(read: F) =>
    ((key: string, ...rest: any[]) => { names.add(key); return read(key, ...rest); }) as F;
  return {
    envInt: record(processEnv.envInt),
    envString: record(processEnv.envString),
    envBool: record(processEnv.envBool),
    envChoice: record(processEnv.envChoice),
    envHostList: record(processEnv.envHostList),
  };
}

describe('configuration documentation', () => {
  const read = variablesRead();
  const configuration = [ ...read.keys() ].filter(name => !(name in NOT_CONFIGURATION)).sort();

  it('finds the variables the code reads', () => {
    // The scan itself works: the known readers in every kind of place are seen.
    for (const [ name, file ] of [
      [ 'JWT_ALGORITHM', 'config/sections/security.ts' ], [ 'UPLOAD_DIR', 'app/lib/files/config.ts' ],
      [ 'JWT_SECRET', 'config/config.prod.ts' ], [ 'TEST_JOBS', 'scripts/test.js' ], [ 'PORT', 'package.json' ],
    ]) {
      assert.ok(read.get(name)?.includes(file), `${name} not found in ${file}`);
    }
    assert.ok(configuration.length > 80, `only ${configuration.length} variables found`);
  });

  it('every variable read is in .env.example', () => {
    const documented = envExampleVariables();
    const missing = configuration.filter(name => !documented.has(name));
    assert.deepEqual(missing, [], `missing from .env.example: ${missing.map(name => `${name} (${read.get(name)!.join(', ')})`).join('; ')}`);
  });

  it('every variable read is in the README\'s configuration table', () => {
    const documented = readmeTableVariables();
    const missing = configuration.filter(name => !documented.has(name));
    assert.deepEqual(missing, [], `missing from README "## Configuration": ${missing.map(name => `${name} (${read.get(name)!.join(', ')})`).join('; ')}`);
  });

  it('every variable the config sections ask for is one the scan sees (no computed names)', () => {
    const asked = new Set<string>();
    const env = recordingEnv(asked);
    const appInfo = { env: 'unittest', baseDir: root, root, name: 'im-user-service' } as any;
    for (const section of [ accounts, admin, database, friends, groups, messaging, metrics, security, server, visitors ]) {
      for (const [ name, build ] of Object.entries(section)) {
        if (name.endsWith('Section') && typeof build === 'function') (build as (e: Env, a: unknown) => unknown)(env, appInfo);
      }
    }
    assert.ok(asked.has('DEFAULT_AVATAR') && asked.has('REDIS_DB'), 'the sections were not read');
    const unseen = [ ...asked ].filter(name => !read.has(name));
    assert.deepEqual(unseen, []);
  });

  it('process.env is read by a computed name only in the typed readers', () => {
    const computed = sourceFiles().filter(file =>
      /\bprocess\.env\[\s*[^'"\s]/.test(readFileSync(path.join(root, file), 'utf8')));
    assert.deepEqual(computed.sort(), [ ...COMPUTED_READERS ].sort());
  });
});
