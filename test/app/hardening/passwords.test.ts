import { strict as assert } from 'node:assert';
import { createHash, randomUUID } from 'node:crypto';
import { app } from 'egg-mock/bootstrap';
import { hashPassword } from '../../../app/lib/account/password';
import { post } from '../../helpers';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** Inserts a row directly, as the tutorial's database (or an older deployment) holds it. */
async function insertUser(username: string, storedPassword: string) {
  const now = new Date();
  await app.model.User.create({
    uuid: randomUUID(), username, password: storedPassword, avatar: '', register_time: now, register_ip: null,
    create_time: now, update_time: now,
  });
}

const storedPassword = async (username: string) =>
  (await app.model.User.findOne({ where: { username }, attributes: [ 'password' ], raw: true }))!.password;

const login = (username: string, password: string) =>
  post('/api/loginChat').type('form').send({ username, password });

const current = () => app.config.im.password;

describe('password storage upgrades (CONTRACT: POST /api/loginChat)', () => {
  it('a legacy SHA-256 row logs in and is rewritten as scrypt with the current parameters', async () => {
    await insertUser('legacy1', sha256('123456'));
    const res = await login('legacy1', '123456').expect(200);
    assert.equal(res.body.data.username, 'legacy1');
    const stored = await storedPassword('legacy1');
    const { cost, blockSize, parallelization } = current();
    assert.match(stored, new RegExp(`^scrypt\\$${cost}\\$${blockSize}\\$${parallelization}\\$[A-Za-z0-9+/=]{24}\\$[A-Za-z0-9+/=]{44}$`));
    // The new hash works, and the old digest no longer does anything.
    await login('legacy1', '123456').expect(200);
    assert.equal(await storedPassword('legacy1'), stored, 'a current hash is not rewritten again');
  });

  it('an upper-case legacy digest logs in too', async () => {
    await insertUser('legacy2', sha256('abcdef').toUpperCase());
    await login('legacy2', 'abcdef').expect(200);
    assert.match(await storedPassword('legacy2'), /^scrypt\$/);
  });

  it('a wrong password against a legacy row is 400 and leaves the row alone', async () => {
    const digest = sha256('123456');
    await insertUser('legacy3', digest);
    const res = await login('legacy3', '1234567').expect(400);
    assert.deepEqual(res.body, { msg: 'fail', data: '账号或密码错误' });
    assert.equal(await storedPassword('legacy3'), digest);
  });

  it('a row hashed with older scrypt parameters is rehashed with the configured ones', async () => {
    const old = await hashPassword('pa55word', { cost: 1024, blockSize: 8, parallelization: 1 });
    await insertUser('oldscrypt', old);
    await login('oldscrypt', 'wrong-one').expect(400);
    assert.equal(await storedPassword('oldscrypt'), old, 'a failed login changes nothing');
    await login('oldscrypt', 'pa55word').expect(200);
    const stored = await storedPassword('oldscrypt');
    assert.notEqual(stored, old);
    assert.ok(stored.startsWith(`scrypt$${current().cost}$8$1$`), stored);
    await login('oldscrypt', 'pa55word').expect(200);
  });

  it('a row with another block size is rehashed as well', async () => {
    const old = await hashPassword('pa55word', { cost: current().cost, blockSize: 4, parallelization: 1 });
    await insertUser('oldblock', old);
    await login('oldblock', 'pa55word').expect(200);
    assert.ok((await storedPassword('oldblock')).startsWith(`scrypt$${current().cost}$8$1$`));
  });

  it('an unreadable stored value never logs in', async () => {
    await insertUser('garbage', 'not-a-hash');
    await login('garbage', 'not-a-hash').expect(400);
    await insertUser('empty1', '');
    await login('empty1', '123456').expect(400);
  });

  it('new registrations store scrypt with a per-user salt', async () => {
    await post('/api/regChat').type('form').send({ username: 'fresh1', password: 'same-password' }).expect(200);
    await post('/api/regChat').type('form').send({ username: 'fresh2', password: 'same-password' }).expect(200);
    const [ a, b ] = [ await storedPassword('fresh1'), await storedPassword('fresh2') ];
    assert.match(a, /^scrypt\$/);
    assert.notEqual(a.split('$')[4], b.split('$')[4]);
    assert.notEqual(a, b);
  });
});
