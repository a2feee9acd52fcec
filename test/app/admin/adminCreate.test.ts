// CONTRACT-admin §2: `npm run admin:create -- --username NAME --role super` (scripts/admin-create.js),
// run as a child process against the test database: the password rules, ADMIN_PASSWORD or the
// prompt, a taken name refused, and a hash the app verifies with its own settings.
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { app } from 'egg-mock/bootstrap';
import { auditRows, postLogin } from './support';

const SCRIPT = path.join(__dirname, '..', '..', '..', 'scripts', 'admin-create.js');

/** Runs the command; `password` goes to ADMIN_PASSWORD, `stdin` (when given) to the prompt. */
function adminCreate(args: string[], password: string | undefined, stdin?: string): Promise<{ code: number | null; out: string; err: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, EGG_SERVER_ENV: 'unittest', MYSQL_DATABASE: app.model.getDatabaseName() };
  delete env.ADMIN_PASSWORD;
  if (password !== undefined) env.ADMIN_PASSWORD = password;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [ SCRIPT, ...args ], { env, stdio: [ 'pipe', 'pipe', 'pipe' ] });
    let out = '';
    let err = '';
    child.stdout.on('data', chunk => { out += chunk; });
    child.stderr.on('data', chunk => { err += chunk; });
    child.on('error', reject);
    child.on('close', code => resolve({ code, out, err }));
    child.stdin.end(stdin ?? '');
  });
}

describe('npm run admin:create (CONTRACT-admin §2)', function() {
  this.timeout(120_000);

  it('refuses a password under 10 characters and one on the common list; nothing is written', async () => {
    for (const [ password, text ] of [[ 'nine-char', /at least 10 characters/ ], [ 'Password123', /too common/ ]] as const) {
      const res = await adminCreate([ '--username', 'ops_root', '--role', 'super' ], password);
      assert.equal(res.code, 1, res.err);
      assert.match(res.err, text);
    }
    assert.equal(await app.repos.admin.findAdminByName('ops_root'), null);
  });

  it('creates the admin from ADMIN_PASSWORD with the app\'s hashing; it logs in; a taken name is refused', async () => {
    const password = 'a long passphrase 7';
    const made = await adminCreate([ '--username', 'ops_root', '--role', 'super' ], password);
    assert.equal(made.code, 0, made.err);
    const row = await app.repos.admin.findAdminByName('ops_root');
    assert.ok(row);
    assert.equal(row.role, 'super');
    const { cost, blockSize, parallelization } = app.config.im.password;
    assert.ok(row.password_hash.startsWith(`scrypt$${cost}$${blockSize}$${parallelization}$`), `the app's settings, got ${row.password_hash.split('$').slice(0, 4).join('$')}`);
    const [ entry ] = await auditRows('admin.create');
    assert.equal(entry.admin_id, null);
    assert.equal(Number(entry.target_id), row.id);
    assert.doesNotMatch(entry.detail ?? '', /passphrase|scrypt/);
    const login = await postLogin({ username: 'ops_root', password });
    assert.equal(login.status, 303);

    const again = await adminCreate([ '--username', 'ops_root', '--role', 'operator' ], 'another long passphrase');
    assert.equal(again.code, 1);
    assert.match(again.err, /exists already/);
    assert.equal((await app.repos.admin.listAdmins()).length, 1);
  });

  it('reads the password from the prompt when ADMIN_PASSWORD is unset', async () => {
    const made = await adminCreate([ '--username', 'prompted', '--role', 'viewer' ], undefined, 'typed in at the prompt\n');
    assert.equal(made.code, 0, made.err);
    assert.equal((await postLogin({ username: 'prompted', password: 'typed in at the prompt' })).status, 303);
  });
});
