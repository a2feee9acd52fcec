import { strict as assert } from 'node:assert';
import path from 'node:path';
import { app, mm } from 'egg-mock/bootstrap';
import { DEV_JWT_SECRET } from '../../../config/config.default';
import { appJwtSecret } from '../../helpers';

/** Boots a fresh app in the production environment and returns how its start ended. */
async function bootProd(secret: string | undefined): Promise<Error | undefined> {
  mm.env('prod');
  // config.unittest.ts is not loaded in prod: point the app at the test database and Redis db.
  mm(process.env, 'MYSQL_DATABASE', (app.config as any).sequelize.database);
  mm(process.env, 'REDIS_DB', String((app.config as any).redis.client.db));
  if (secret === undefined) mm(process.env, 'JWT_SECRET', undefined);
  else mm(process.env, 'JWT_SECRET', secret);
  const prodApp = mm.app({ baseDir: process.cwd(), cache: false } as any);
  try {
    await prodApp.ready();
    return undefined;
  } catch (err) {
    return err as Error;
  } finally {
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
      const err = await bootProd('0123456789abcdef0123456789abcdef0123');
      assert.equal(err, undefined, err?.message);
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
