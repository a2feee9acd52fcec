import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { app } from 'egg-mock/bootstrap';
import { appJwtSecret, PASSWORD, register } from '../../helpers';
import { anyJson, assertFailEnvelope, BODY_LIMIT, hostileSamples, NUM_RUNS, parse, Sample, send, tooLarge } from './hostileSamples';
import { keepTestServerListening } from './support';

const CREDENTIAL_ROUTES = [ '/api/regChat', '/api/loginChat' ];
const ALL_ROUTES = [ ...CREDENTIAL_ROUTES, '/api/chat/logout', '/api/chat/searchUser' ];
const FIELD_NAMES = [ 'username', 'password', 'keyword', 'limit', 'username[]', 'password[0]', 'username[a][b]', '__proto__', 'constructor', 'toString' ];
const samples = hostileSamples(FIELD_NAMES);

const isText = (v: unknown, min: number, max: number) => typeof v === 'string' && [ ...v ].length >= min && [ ...v ].length <= max;
function validCredentials(sample: Sample): boolean {
  const body = parse(sample);
  if (!body || typeof body !== 'object' || Array.isArray(body)) return false;
  return isText(body.username, 4, 20) && /^[A-Za-z0-9_]+$/.test(body.username as string) && isText(body.password, 6, 20);
}

const userCount = () => app.model.User.count();

describe('hostile input on every route (property-based, fast-check)', () => {
  keepTestServerListening();

  for (const path of CREDENTIAL_ROUTES) {
    it(`${path}: any body answers a 4xx envelope and writes no user`, async () => {
      await fc.assert(fc.asyncProperty(samples, async sample => {
        fc.pre(!validCredentials(sample) || tooLarge(sample));
        const res = await send(path, sample);
        assertFailEnvelope(res, `${path} ${sample.contentType}`);
        if (tooLarge(sample)) assert.equal(res.status, 413);
        else assert.notEqual(res.status, 413);
      }), { numRuns: NUM_RUNS });
      assert.equal(await userCount(), 0);
    });
  }

  it('/api/chat/*: any body with a valid token answers the envelope, never a 5xx, and writes no user', async () => {
    const { token } = await register('prober', PASSWORD);
    await fc.assert(fc.asyncProperty(samples, async sample => {
      const res = await send('/api/chat/searchUser', sample, token);
      if (res.status === 200) {
        assert.equal(res.body.msg, 'ok');
        assert.ok(Array.isArray(res.body.data));
        assert.equal(typeof parse(sample)?.keyword, 'string');
      } else {
        assertFailEnvelope(res, `searchUser ${sample.contentType}`);
        if (tooLarge(sample)) assert.equal(res.status, 413);
      }
    }), { numRuns: NUM_RUNS });
    assert.equal(await userCount(), 1);
    // logout takes no body; whatever is sent, it answers in the envelope (the last one logs out).
    await fc.assert(fc.asyncProperty(samples, async sample => {
      const res = await send('/api/chat/logout', sample, token);
      if (res.status !== 200) assertFailEnvelope(res, `logout ${sample.contentType}`);
    }), { numRuns: 10 });
    assert.equal(await userCount(), 1);
  });

  it('any token header answers 401 in the envelope', async () => {
    const headerSafe = fc.string({ unit: fc.integer({ min: 0x21, max: 0x7e }).map(c => String.fromCharCode(c)), minLength: 1, maxLength: 300 });
    const jwtLike = fc.array(fc.base64String({ maxLength: 200 }), { minLength: 3, maxLength: 3 })
      .map(parts => parts.map(p => p.replace(/=/g, '').replace(/\+/g, '-').replace(/\//g, '_')).join('.'));
    await fc.assert(fc.asyncProperty(fc.oneof(headerSafe, jwtLike), fc.constantFrom(...ALL_ROUTES.slice(2)), async (token, path) => {
      const res = await app.httpRequest().post(path).set('token', token).send({ keyword: 'a' });
      assert.equal(res.status, 401, `${path} ${res.status}`);
      assertFailEnvelope(res, path);
    }), { numRuns: NUM_RUNS });
  });

  it('signed tokens with hostile claims answer 401', async () => {
    const secret = appJwtSecret();
    await fc.assert(fc.asyncProperty(fc.dictionary(fc.constantFrom('id', 'sid', 'uuid', 'exp', 'role'), anyJson), async claims => {
      let token: string;
      try {
        token = app.jwt.sign(claims, secret, { algorithm: 'HS256' });
      } catch {
        return; // jsonwebtoken itself refuses such a payload
      }
      const res = await app.httpRequest().post('/api/chat/searchUser').set('token', token).send({ keyword: 'a' });
      assert.equal(res.status, 401, `${JSON.stringify(claims)} -> ${res.status}`);
      assertFailEnvelope(res, 'signed');
    }), { numRuns: NUM_RUNS });
  });

  it('a 10 kB token header answers 401, not 500', async () => {
    const { token } = await register('prober', PASSWORD);
    for (const value of [ 'x'.repeat(10 * 1024), `${token}${'A'.repeat(10 * 1024 - token.length)}` ]) {
      const res = await app.httpRequest().post('/api/chat/searchUser').set('token', value).send({ keyword: 'a' });
      assert.equal(res.status, 401);
      assert.deepEqual(res.body, { msg: 'fail', data: 'Token 令牌不合法！' });
    }
  });

  it('bodies over the 16 kB limit answer 413 on every route, JSON and form', async () => {
    const { token } = await register('prober', PASSWORD);
    for (const path of ALL_ROUTES) {
      for (const type of [ 'json', 'form' ]) {
        const body = { username: 'x'.repeat(BODY_LIMIT), password: PASSWORD, keyword: 'a' };
        const res = await app.httpRequest().post(path).set('token', token).type(type).send(body);
        assert.equal(res.status, 413, `${path} ${type}`);
        assert.deepEqual(res.body, { msg: 'fail', data: '请求体过大' });
      }
    }
    assert.equal(await userCount(), 1);
  });

  it('unknown paths and methods answer the 404 envelope', async () => {
    await fc.assert(fc.asyncProperty(
      fc.webPath(), fc.constantFrom('get', 'post', 'put', 'delete', 'patch', 'options', 'trace'),
      async (path, method) => {
        fc.pre(!ALL_ROUTES.includes(path) && !ALL_ROUTES.includes(path.replace(/\/$/, '')));
        const res = await (app.httpRequest() as any)[method](path || '/');
        assert.equal(res.status, 404, `${method} ${path}`);
        assertFailEnvelope(res, path);
      }), { numRuns: NUM_RUNS });
  });

});
