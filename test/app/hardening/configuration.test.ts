import { strict as assert } from 'node:assert';
import path from 'node:path';
import { app, mm } from 'egg-mock/bootstrap';
import { DEV_JWT_SECRET } from '../../../config/config.default';
import { appJwtSecret } from '../../helpers';
import { createAdmin } from '../admin/support';

const STRONG = '0123456789abcdef0123456789abcdef0123';

/**
 * Boots a fresh app in the production environment and returns how its start ended. `secret` is
 * JWT_SECRET (unset when undefined) and `adminKey` ADMIN_SECRET_KEY (unset when null); unset means
 * removed from the environment (mm would set the string "undefined").
 */
async function bootProd(secret: string | undefined, adminKey: string | null = STRONG): Promise<Error | undefined> {
  mm.env('prod');
  // config.unittest.ts is not loaded in prod: point the app at the test database and Redis db.
  mm(process.env, 'MYSQL_DATABASE', (app.config as any).sequelize.database);
  mm(process.env, 'REDIS_DB', String((app.config as any).redis.client.db));
  const saved = { JWT_SECRET: process.env.JWT_SECRET, ADMIN_SECRET_KEY: process.env.ADMIN_SECRET_KEY };
  const set = (values: Record<string, string | undefined>) => {
    for (const [ name, value ] of Object.entries(values)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
  set({ JWT_SECRET: secret, ADMIN_SECRET_KEY: adminKey ?? undefined });
  const prodApp = mm.app({ baseDir: process.cwd(), cache: false } as any);
  try {
    await prodApp.ready();
    return undefined;
  } catch (err) {
    return err as Error;
  } finally {
    set(saved);
    await prodApp.close().catch(() => undefined);
  }
}

describe('configuration hardening', () => {
  describe('production refuses weak JWT secrets', () => {
    for (const [ label, secret ] of [
      [ 'unset', undefined ],
      [ 'empty', '' ],
      [ 'short', 'x'.repeat(31) ],
      [ 'the development default', DEV_JWT_SECRET ],
    ] as const) {
      it(`refuses to start with JWT_SECRET ${label}`, async () => {
        const err = await bootProd(secret);
        assert.ok(err, 'the app started');
        assert.match(err.message, /JWT_SECRET must be set/);
      });
    }

    it('starts with a strong secret', async () => {
      const err = await bootProd(STRONG);
      assert.equal(err, undefined, err?.message);
    });
  });

  describe('production and ADMIN_SECRET_KEY (CONTRACT-admin §6)', () => {
    it('refuses to start without the key once an admin exists', async () => {
      await createAdmin('keyless');
      const err = await bootProd(STRONG, null);
      assert.ok(err, 'the app started');
      assert.match(err.message, /ADMIN_SECRET_KEY must be set/);
    });

    it('refuses to start with a key shorter than 32 characters (CONTRACT-admin §7)', async () => {
      const err = await bootProd(STRONG, 'k'.repeat(31));
      assert.ok(err, 'the app started');
      assert.match(err.message, /ADMIN_SECRET_KEY must be at least 32 characters/);
      assert.equal((await bootProd(STRONG, 'k'.repeat(32)))?.message, undefined);
    });

    it('starts without the key while no admin exists, and with the key once one does', async () => {
      assert.equal((await bootProd(STRONG, null))?.message, undefined);
      await createAdmin('keyed');
      assert.equal((await bootProd(STRONG, STRONG))?.message, undefined);
    });
  });

  describe('jsonwebtoken (advisories below 9.0.0)', () => {
    // The copy egg-jwt itself loads, wherever npm placed it.
    const eggJwtDir = path.dirname(require.resolve('egg-jwt/package.json'));

    const atLeast903 = (version: string) => {
      const [ major, minor, patch ] = version.split('.').map(Number);
      return major > 9 || (major === 9 && (minor > 0 || patch >= 3));
    };

    it('egg-jwt (and koa-jwt2 under it) resolve jsonwebtoken >= 9.0.3', () => {
      const koaJwtDir = path.dirname(require.resolve('koa-jwt2/package.json', { paths: [ eggJwtDir ] }));
      for (const from of [ eggJwtDir, koaJwtDir ]) {
        // eslint-disable-next-line @typescript-eslint/no-var-requires
        const { version } = require(require.resolve('jsonwebtoken/package.json', { paths: [ from ] }));
        assert.ok(atLeast903(version), `${path.basename(from)} loads jsonwebtoken ${version}`);
      }
    });

    it('app.jwt signs and verifies with that copy, pinned to HS256', () => {
      const secret = appJwtSecret();
      const token = app.jwt.sign({ id: 1, sid: 's' }, secret, { algorithm: 'HS256' });
      const payload = app.jwt.verify(token, secret, { algorithms: [ 'HS256' ] }) as any;
      assert.equal(payload.id, 1);
      assert.throws(() => app.jwt.verify(token, `${secret}x`, { algorithms: [ 'HS256' ] }));
      const unsigned = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${token.split('.')[1]}.`;
      assert.throws(() => app.jwt.verify(unsigned, secret, { algorithms: [ 'HS256' ] }));
    });
  });
});
