import { strict as assert } from 'node:assert';
import crypto, { createHash, scryptSync } from 'node:crypto';
import { mm } from 'egg-mock/bootstrap';
import { ScryptParams, hashPassword, spendVerifyWork, verifyPassword } from '../../../../app/lib/account/password';

// A low cost keeps these fast; the code path is the one production runs.
const PARAMS: ScryptParams = { cost: 1024, blockSize: 8, parallelization: 1 };
const PASSWORD = 'correct horse 😀';

describe('app/lib/password', () => {
  describe('hashPassword', () => {
    it('stores algorithm, parameters, salt and key as scrypt$N$r$p$salt$key', async () => {
      const stored = await hashPassword(PASSWORD, PARAMS);
      const match = /^scrypt\$1024\$8\$1\$([A-Za-z0-9+/]{22}==)\$([A-Za-z0-9+/]{43}=)$/.exec(stored);
      assert.ok(match, stored);
      const [ , salt, key ] = match;
      assert.equal(Buffer.from(salt, 'base64').length, 16);
      // The key is plain scrypt of the password with that salt and those parameters.
      const expected = scryptSync(PASSWORD, Buffer.from(salt, 'base64'), 32, { N: 1024, r: 8, p: 1 });
      assert.equal(key, expected.toString('base64'));
    });

    it('salts every hash', async () => {
      const [ a, b ] = await Promise.all([ hashPassword(PASSWORD, PARAMS), hashPassword(PASSWORD, PARAMS) ]);
      assert.notEqual(a, b);
      assert.notEqual(a.split('$')[4], b.split('$')[4]);
    });

    it('records other parameters when asked for them', async () => {
      const stored = await hashPassword(PASSWORD, { cost: 2048, blockSize: 4, parallelization: 2 });
      assert.match(stored, /^scrypt\$2048\$4\$2\$/);
      assert.deepEqual(await verifyPassword(PASSWORD, stored, { cost: 2048, blockSize: 4, parallelization: 2 }),
        { ok: true, needsRehash: false });
    });
  });

  describe('verifyPassword', () => {
    let stored: string;
    before(async () => {
      stored = await hashPassword(PASSWORD, PARAMS);
    });

    it('accepts the right password', async () => {
      assert.deepEqual(await verifyPassword(PASSWORD, stored, PARAMS), { ok: true, needsRehash: false });
    });

    it('refuses a wrong one, including near misses', async () => {
      for (const attempt of [ 'correct horse', `${PASSWORD} `, PASSWORD.toUpperCase(), '' ]) {
        assert.deepEqual(await verifyPassword(attempt, stored, PARAMS), { ok: false, needsRehash: false }, attempt);
      }
    });

    it('asks for a rehash when the current parameters differ, only after the right password', async () => {
      for (const current of [
        { ...PARAMS, cost: 2048 }, { ...PARAMS, blockSize: 16 }, { ...PARAMS, parallelization: 2 },
      ]) {
        assert.deepEqual(await verifyPassword(PASSWORD, stored, current), { ok: true, needsRehash: true });
        assert.deepEqual(await verifyPassword('wrong-password', stored, current), { ok: false, needsRehash: false });
      }
    });

    it('verifies legacy unsalted SHA-256 hex rows and asks for their rehash', async () => {
      const legacy = createHash('sha256').update('123456').digest('hex');
      assert.deepEqual(await verifyPassword('123456', legacy, PARAMS), { ok: true, needsRehash: true });
      assert.deepEqual(await verifyPassword('123456', legacy.toUpperCase(), PARAMS), { ok: true, needsRehash: true });
      assert.deepEqual(await verifyPassword('1234567', legacy, PARAMS), { ok: false, needsRehash: false });
    });

    it('refuses, without throwing, values it cannot read', async () => {
      for (const bad of [ '', '123456', 'scrypt$x$8$1$AAAA$AAAA', 'scrypt$1024$8$1$AAAA', 'bcrypt$2b$10$abc', 'a'.repeat(63) ]) {
        assert.deepEqual(await verifyPassword('123456', bad, PARAMS), { ok: false, needsRehash: false }, bad);
      }
    });
  });

  it('spendVerifyWork costs one scrypt derivation with the given parameters', async () => {
    const params = { ...PARAMS, cost: 2048 };
    await spendVerifyWork(PASSWORD, params); // the first call also makes the decoy hash
    const costs: number[] = [];
    const scrypt = crypto.scrypt;
    mm(crypto, 'scrypt', (...args: any[]) => {
      costs.push(args[3].N);
      return (scrypt as any)(...args);
    });
    await spendVerifyWork(PASSWORD, params);
    assert.deepEqual(costs, [ 2048 ]);
  });
});
