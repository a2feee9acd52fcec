import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { app } from 'egg-mock/bootstrap';
import { PASSWORD, register } from '../../helpers';
import { assertFailEnvelope, deepFormSamples, deepJsonSamples, MAX_DEPTH, NUM_RUNS, parse } from './hostileSamples';
import { keepTestServerListening } from './support';

const SENDMESSAGE = '/api/chat/socket/sendmessage';
// (A JSON `__proto__` key is refused as malformed, also 422, whatever its depth.)
const FIELDS = [ 'username', 'password', 'keyword', 'data', 'otherData', 'options', 'sendto_id', 'userid', 'content', '__proto__' ];

/**
 * Every route of the router with a method that takes a body, its parameters filled in: the API's
 * (the envelope), or with `console` the operator console's (HTML pages and redirects).
 */
function bodyRoutes(console = false): Array<{ method: string; path: string }> {
  return (app.router as any).stack.flatMap((layer: { path: string; methods: string[] }) => layer.methods
    .filter(m => [ 'POST', 'PUT', 'PATCH', 'DELETE' ].includes(m))
    .map(method => ({ method, path: layer.path.replace(/:(\w+)(\([^)]*\))?\??/g, '1') })))
    .filter((route: { path: string }) => route.path.startsWith('/admin') === console);
}

function request(route: { method: string; path: string }, contentType: string, body: string, token: string) {
  return (app.httpRequest() as any)[route.method.toLowerCase()](route.path).set('Content-Type', contentType).set('token', token).send(body);
}

describe('bodies of any depth on every route (property-based, fast-check)', () => {
  keepTestServerListening();

  it('a parsable JSON body nested deeper than the bound answers 422 on every route; never a 5xx', async () => {
    const routes = bodyRoutes();
    assert.ok(routes.some(r => r.path === SENDMESSAGE) && routes.length > 20, `${routes.length} routes`);
    const { token } = await register('prober', PASSWORD);
    await fc.assert(fc.asyncProperty(fc.constantFrom(...routes), deepJsonSamples(FIELDS.filter(f => f !== '__proto__')), async (route, sample) => {
      const res = await request(route, sample.contentType, sample.body, token);
      const what = `${route.method} ${route.path} depth ${sample.depth}`;
      assertFailEnvelopeOrOk(res, what);
      const limit = route.path === SENDMESSAGE ? 64 * 1024 : 16 * 1024;
      if (Buffer.byteLength(sample.body) > limit) return assert.equal(res.status, 413, what);
      if (sample.depth > MAX_DEPTH) {
        assert.equal(res.status, 422, what);
        assert.equal(res.body.data, `请求体嵌套不能超过 ${MAX_DEPTH} 层`, what);
      } else {
        assert.notEqual(res.body.data, `请求体嵌套不能超过 ${MAX_DEPTH} 层`, what);
      }
    }), { numRuns: NUM_RUNS * 3 });
  });

  it('sendmessage: 10,000 nested arrays in data.data, otherData or options answer 422 before any rate limit', async () => {
    const { token } = await register('prober', PASSWORD);
    const deep = '['.repeat(10000) + ']'.repeat(10000);
    const bodies = [
      `{"sendto_id":1,"chatType":"single","type":"text","data":{"data":${deep},"dataType":false,"otherData":null}}`,
      `{"sendto_id":1,"chatType":"single","type":"text","data":{"data":"x","dataType":false,"otherData":${deep}}}`,
      `{"sendto_id":1,"chatType":"single","type":"text","data":{"data":"x"},"options":${deep}}`,
    ];
    for (const body of bodies) {
      const res = await request({ method: 'POST', path: SENDMESSAGE }, 'application/json', body, token);
      assert.equal(res.status, 422, JSON.stringify(res.body));
      assert.deepEqual(res.body, { msg: 'fail', data: `请求体嵌套不能超过 ${MAX_DEPTH} 层` });
    }
    // The same depth on the 16 kB routes is over their limit; half of it is not.
    const half = '['.repeat(5000) + ']'.repeat(5000);
    const res = await request({ method: 'POST', path: '/api/chat/searchUser' }, 'application/json', `{"keyword":${half}}`, token);
    assert.equal(res.status, 422);
  });

  it('form keys of any depth never answer a 5xx on any route', async () => {
    const routes = bodyRoutes();
    const { token } = await register('prober', PASSWORD);
    await fc.assert(fc.asyncProperty(fc.constantFrom(...routes), deepFormSamples(FIELDS), async (route, sample) => {
      assert.ok(parse(sample) !== undefined);
      const res = await request(route, sample.contentType, sample.body, token);
      assertFailEnvelopeOrOk(res, `${route.method} ${route.path} ${sample.body.slice(0, 40)}`);
    }), { numRuns: NUM_RUNS });
  });

  it('the console routes: any body, JSON or form, from an IM user (no admin session) is sent to the login page, never a 5xx', async () => {
    const routes = bodyRoutes(true);
    assert.ok(routes.some(r => r.path === '/admin/users/1/disable'), `${routes.length} console routes`);
    const { token } = await register('prober', PASSWORD);
    const samples = fc.oneof(deepJsonSamples(FIELDS.filter(f => f !== '__proto__')), deepFormSamples(FIELDS));
    await fc.assert(fc.asyncProperty(fc.constantFrom(...routes), samples, async (route, sample) => {
      const res = await request(route, sample.contentType, sample.body, token);
      const what = `${route.method} ${route.path} ${sample.body.slice(0, 40)}: ${res.status}`;
      if (route.path === '/admin/login') return assert.ok(res.status < 500, what);
      // Bodies over the size or depth bound are refused before any route (413, 422), as on the API.
      if (('depth' in sample && sample.depth > MAX_DEPTH) || res.status === 413) return assert.ok(res.status === 413 || res.status === 422, what);
      assert.equal(res.status, 303, what);
      assert.equal(res.headers.location, '/admin/login', what);
    }), { numRuns: NUM_RUNS });
  });
});

function assertFailEnvelopeOrOk(res: any, what: string) {
  assert.ok(res.status < 500, `${what}: ${res.status} ${JSON.stringify(res.body)?.slice(0, 200)}`);
  if (res.status !== 200) assertFailEnvelope(res, what);
}
