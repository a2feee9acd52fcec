import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { app } from 'egg-mock/bootstrap';
import { appJwtSecret, PASSWORD, register } from '../../helpers';
import { keepTestServerListening } from './support';
// The parser Egg's body parser uses for forms, to tell which generated inputs are valid.
// eslint-disable-next-line @typescript-eslint/no-var-requires
const qs = require('qs');

const BODY_LIMIT = 16 * 1024; // config.bodyParser: 16kb
const NUM_RUNS = Number(process.env.FC_NUM_RUNS ?? 100);
const CREDENTIAL_ROUTES = [ '/api/regChat', '/api/loginChat' ];
const ALL_ROUTES = [ ...CREDENTIAL_ROUTES, '/api/chat/logout', '/api/chat/searchUser' ];
const FIELD_NAMES = [ 'username', 'password', 'keyword', 'limit', 'username[]', 'password[0]', 'username[a][b]', '__proto__', 'constructor', 'toString' ];
const CONTENT_TYPES = [
  'application/json', 'application/x-www-form-urlencoded', 'text/plain', 'application/xml', 'application/octet-stream',
  'multipart/form-data; boundary=xyz', 'application/json; charset=utf-7', 'application/x-www-form-urlencoded; charset=latin1',
  'application/vnd.api+json', 'application/csp-report',
];

interface Sample {
  contentType: string;
  body: string;
}

// Strings of every kind: ASCII, any Unicode (lone surrogates included), control characters.
const anyString = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.string({ unit: fc.integer({ min: 0, max: 0x1f }).map(c => String.fromCharCode(c)), maxLength: 10 }),
  fc.constantFrom('', ' ', '\u0000', '\ud800', '𝒜𝒷𝒸𝒹', 'ａｂｃｄ', "' OR 1=1 --", '%_\\', 'null', 'true', '1e309'),
);
const anyJson = fc.jsonValue({ maxDepth: 4, stringUnit: 'binary' });
// A huge value: up to 2.5 times the body limit, so some bodies are over it.
const hugeString = fc.tuple(fc.constantFrom('a', 'é', '中', '\u0000', '😀'), fc.integer({ min: 1000, max: 40000 }))
  .map(([ ch, n ]) => ch.repeat(Math.ceil(n / Buffer.byteLength(ch))));
const fieldName = fc.oneof(fc.constantFrom(...FIELD_NAMES), anyString);
const fieldValue = fc.oneof(anyString, anyJson, hugeString);

const jsonSamples: fc.Arbitrary<Sample> = fc.oneof(
  // Any JSON value at the root.
  anyJson.map(value => JSON.stringify(value)),
  // Objects with the real field names holding any JSON type, repeated keys included.
  fc.array(fc.tuple(fieldName, fieldValue), { maxLength: 6 })
    .map(entries => `{${entries.map(([ k, v ]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(',')}}`),
  // Broken JSON.
  fc.oneof(anyString, fc.constantFrom('{', '{"username":', '[1,', '{"a":1}}', '\ufeff{}', 'undefined')),
).map(body => ({ contentType: 'application/json', body }));

// Every UTF-8 byte percent-encoded (encodeURIComponent throws on lone surrogates).
const percentEncode = (text: string) => [ ...Buffer.from(text) ].map(b => `%${b.toString(16).padStart(2, '0')}`).join('');

const formSamples: fc.Arbitrary<Sample> = fc.array(fc.tuple(fieldName, fc.oneof(anyString, hugeString)), { maxLength: 8 })
  .map(entries => ({
    contentType: 'application/x-www-form-urlencoded',
    body: entries.map(([ k, v ]) => `${percentEncode(k)}=${percentEncode(v)}`).join('&'),
  }));

const otherSamples: fc.Arbitrary<Sample> = fc.record({
  contentType: fc.constantFrom(...CONTENT_TYPES),
  body: fc.oneof(anyString, anyJson.map(v => JSON.stringify(v)), formSamples.map(s => s.body)),
});

const samples = fc.oneof(jsonSamples, formSamples, otherSamples);

// What Egg's body parser reads as JSON or form (with or without parameters).
const JSON_TYPE = /^application\/(json|json-patch\+json|vnd\.api\+json|csp-report)(;|$)/;
const FORM_TYPE = /^application\/x-www-form-urlencoded(;|$)/;

/** The fields as the server's body parser could see them, or undefined if it would not parse. */
function parse({ contentType, body }: Sample): Record<string, unknown> | undefined {
  try {
    if (JSON_TYPE.test(contentType)) return JSON.parse(body);
    if (FORM_TYPE.test(contentType)) return qs.parse(body);
  } catch {
    return undefined;
  }
}

const isText = (v: unknown, min: number, max: number) => typeof v === 'string' && [ ...v ].length >= min && [ ...v ].length <= max;
function validCredentials(sample: Sample): boolean {
  const body = parse(sample);
  if (!body || typeof body !== 'object' || Array.isArray(body)) return false;
  return isText(body.username, 4, 20) && /^[A-Za-z0-9_]+$/.test(body.username as string) && isText(body.password, 6, 20);
}

function send(path: string, sample: Sample, token?: string) {
  const req = app.httpRequest().post(path).set('Content-Type', sample.contentType);
  if (token) req.set('token', token);
  return req.send(sample.body);
}

function assertFailEnvelope(res: any, what: string) {
  assert.ok(res.status >= 400 && res.status < 500, `${what}: ${res.status} ${JSON.stringify(res.body)?.slice(0, 200)}`);
  assert.match(res.headers['content-type'], /^application\/json/, what);
  assert.equal(res.body.msg, 'fail', what);
  assert.equal(typeof res.body.data, 'string', what);
}

const tooLarge = (sample: Sample) =>
  (JSON_TYPE.test(sample.contentType) || FORM_TYPE.test(sample.contentType)) && Buffer.byteLength(sample.body) > BODY_LIMIT;

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
