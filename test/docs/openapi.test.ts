// docs/openapi.yaml against the running app. Validator: @readme/openapi-parser (the maintained
// fork of swagger-parser; checks 3.1 documents against the official 3.1 schema and resolves
// $refs; ships CommonJS for Node 20) plus Ajv's 2020-12 class for the responses, since 3.1
// schemas are plain JSON Schema 2020-12. openapi-backend 5.21 was tried and rejected: it checks
// documents against the 3.0 schema and compiles draft-07, so it refuses `type: [string, 'null']`.
import { strict as assert } from 'node:assert';
import path from 'node:path';
import { dereference, validate } from '@readme/openapi-parser';
import Ajv2020, { ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { app, mock } from 'egg-mock/bootstrap';
import jwt from 'jsonwebtoken';
import { InternalError, RateLimitedError } from '../../app/lib/errors';
import zhTexts from '../../config/locale/zh-CN.json';
import { encodedMedia, png } from '../app/files/media';
import { emptyStorage, upload, useDriver } from '../app/files/support';
import { assertClosed, CLOSED_PORT, unreachableRedis } from '../faults';
import { appJwtSecret, PASSWORD, register } from '../helpers';
import { arrive, newDeviceId, send } from '../app/visitors/support';
import { groupBody, joinGroup, makeGroup } from '../app/groups/messageSupport';
import { blacklist, friends, textBody, user } from '../app/messaging/support';
import { friendsOperations, friendsTextsMissingFrom } from './friendsOperations';
import { groupsOperations, groupsTextsMissingFrom } from './groupsOperations';

// CONTRACT: failure statuses (plus 200).
const CONTRACT_STATUSES = [ 200, 400, 401, 403, 404, 409, 413, 422, 429, 500, 503 ];
const SPEC = path.join(__dirname, '../../docs/openapi.yaml');

type Method = 'get' | 'post';
interface Answer { status: number; body: unknown; headers: Record<string, string> }

// OpenAPI 3.1 schemas are JSON Schema 2020-12: Ajv's 2020 class validates them as written.
const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true });
addFormats(ajv);
const compiled = new WeakMap<object, ValidateFunction>();
function matches(schema: object, value: unknown, what: string) {
  if (!compiled.has(schema)) compiled.set(schema, ajv.compile(schema));
  const check = compiled.get(schema)!;
  assert(check(value), `${what} does not match openapi.yaml: ${ajv.errorsText(check.errors)}\n${JSON.stringify(value)}`);
}

let spec: any;
const seen = new Set<string>();

/** Checks a real answer against the operation's documented status, headers and body schema. */
function conforms(method: Method, route: string, res: Answer) {
  const operation = spec.paths[route]?.[method];
  assert(operation, `${method.toUpperCase()} ${route} is not in openapi.yaml`);
  const what = `${method.toUpperCase()} ${route} ${res.status}`;
  const documented = operation.responses[String(res.status)];
  assert(documented, `${what}: status not documented`);
  assert.match(res.headers['content-type'], /^application\/json/, `${what}: content type`);
  matches(documented.content['application/json'].schema, res.body, `${what} body`);
  for (const [ name, header ] of Object.entries<any>(documented.headers ?? {})) {
    const value = res.headers[name.toLowerCase()];
    if (header.required) assert.notEqual(value, undefined, `${what}: header ${name} missing`);
    if (value !== undefined) matches(header.schema, value, `${what} header ${name}`);
  }
  seen.add(`${method} ${route} ${res.status}`);
}

const post = (route: string) => app.httpRequest().post(route);
const BIG = 'x'.repeat(20 * 1024);

async function disable(id: number) {
  await app.model.User.update({ status: 0 }, { where: { id } });
}

function expiredToken(user: { id: number; uuid: string; username: string }) {
  const secret = appJwtSecret();
  const algorithm = 'HS256';
  const past = Math.floor(Date.now() / 1000) - 60;
  return jwt.sign({ id: user.id, uuid: user.uuid, username: user.username, role: 'user', sid: 'x', iat: past - 60, exp: past }, secret, { algorithm });
}

describe('docs/openapi.yaml', () => {
  before(async () => {
    const result = await validate(SPEC);
    assert.equal(result.valid, true, JSON.stringify(result));
    spec = await dereference(SPEC);
    assert.equal(spec.openapi, '3.1.0');
  });

  it('documents every route of the router, with its method', () => {
    // `:name`, `:name(pattern)` and `:name?` are written `{name}` in OpenAPI; HEAD rides along with GET.
    const routes = (app.router as any).stack.flatMap((layer: { path: string; methods: string[] }) =>
      layer.methods.filter(m => m !== 'HEAD').map(m => `${m.toLowerCase()} ${layer.path.replace(/:(\w+)(\([^)]*\))?\??/g, '{$1}')}`));
    assert.ok(routes.length > 30, `only ${routes.length} routes read from the router`);
    const undocumented = routes.filter((route: string) => {
      const [ method, routePath ] = route.split(' ');
      return !spec.paths[routePath]?.[method];
    });
    assert.deepEqual(undocumented, []);
  });

  it('documents every status the contract names, and every failure text', () => {
    const documented = new Set<number>();
    for (const item of Object.values<any>(spec.paths)) {
      for (const operation of Object.values<any>(item)) Object.keys(operation.responses).forEach(s => documented.add(Number(s)));
    }
    assert.deepEqual(CONTRACT_STATUSES.filter(s => !documented.has(s)), []);
    const text = JSON.stringify(spec);
    const flat = (texts: object): string[] => Object.values(texts).flatMap(t => (typeof t === 'string' ? [ t ] : flat(t)));
    // A text with placeholders appears with its values filled in ("文件过大（图片最大 10 MB）").
    const shown = (t: string) => new RegExp(JSON.stringify(t).split(/\{\w+\}/).map(part => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('[^"]+'));
    const documentedTexts = [ ...flat(zhTexts.error), ...flat(zhTexts.files), ...flat(zhTexts.messaging.error), ...flat(zhTexts.messaging.validation) ];
    const missing = documentedTexts.filter(t => !shown(t).test(text));
    assert.deepEqual(missing, []);
    assert.deepEqual(friendsTextsMissingFrom(text), []);
    assert.deepEqual(groupsTextsMissingFrom(text), []);
  });

  describe('POST /api/regChat', () => {
    const route = '/api/regChat';
    it('200 (form and JSON), 409, 422, 413, 404', async () => {
      conforms('post', route, await post(route).type('form').send({ username: 'doc_form', password: PASSWORD }));
      conforms('post', route, await post(route).send({ username: 'doc_json', password: PASSWORD }));
      const taken = await post(route).send({ username: 'DOC_JSON', password: PASSWORD });
      assert.equal(taken.status, 409);
      conforms('post', route, taken);
      conforms('post', route, await post(route).type('form').send({ username: 'ab', password: PASSWORD }).expect(422));
      conforms('post', route, await post(route).set('Accept-Language', 'en').send({ username: 'abc!', password: PASSWORD }).expect(422));
      conforms('post', route, await post(route).type('json').send('{"username":').expect(422));
      conforms('post', route, await post(route).type('form').send({ username: 'big_body', password: BIG }).expect(413));
      conforms('post', route, await app.httpRequest().get(route).expect(404));
    });

    it('429 (a mocked limiter), 503 (Redis unreachable), 500', async () => {
      app.mockService('account.user', 'register', async () => { throw new RateLimitedError(60); });
      conforms('post', route, await post(route).send({ username: 'doc_user', password: PASSWORD }).expect(429));
      mock.restore();
      await assertClosed(CLOSED_PORT);
      mock(app, 'redis', unreachableRedis(app));
      conforms('post', route, await post(route).send({ username: 'doc_user', password: PASSWORD }).expect(503));
      mock.restore();
      app.mockService('account.user', 'register', async () => { throw new Error('SELECT * FROM user at /srv/app.js'); });
      const crashed = await post(route).send({ username: 'doc_user', password: PASSWORD }).expect(500);
      conforms('post', route, crashed);
      assert.equal(crashed.body.data, 'Internal Server Error');
    });
  });

  describe('POST /api/loginChat', () => {
    const route = '/api/loginChat';
    it('200 (form and JSON), 400, 403, 422, 413, 404', async () => {
      const user = await register('doc_login');
      conforms('post', route, await post(route).type('form').send({ username: 'doc_login', password: PASSWORD }).expect(200));
      conforms('post', route, await post(route).send({ username: 'doc_login', password: PASSWORD }).expect(200));
      conforms('post', route, await post(route).send({ username: 'doc_login', password: 'wrong-pass' }).expect(400));
      conforms('post', route, await post(route).send({ username: 'doc_login' }).expect(422));
      conforms('post', route, await post(route).send({ username: 'doc_login', password: BIG }).expect(413));
      await disable(user.id);
      conforms('post', route, await post(route).send({ username: 'doc_login', password: PASSWORD }).expect(403));
      conforms('post', route, await app.httpRequest().put(route).expect(404));
    });

    it('429 (a mocked limiter), 503 (Redis unreachable), 500', async () => {
      await register('doc_login');
      app.mockService('account.user', 'login', async () => { throw new RateLimitedError(900); });
      conforms('post', route, await post(route).send({ username: 'doc_login', password: PASSWORD }).expect(429));
      mock.restore();
      mock(app, 'redis', unreachableRedis(app));
      conforms('post', route, await post(route).send({ username: 'doc_login', password: PASSWORD }).expect(503));
      mock.restore();
      app.mockService('account.user', 'login', async () => { throw new TypeError('x is undefined'); });
      conforms('post', route, await post(route).send({ username: 'doc_login', password: PASSWORD }).expect(500));
    });
  });

  describe('POST /api/chat/logout', () => {
    const route = '/api/chat/logout';
    it('200 (token header and Bearer), 401 x3, 403, 413, 404, 503, 500', async () => {
      const user = await register('doc_logout');
      const second = (await post('/api/loginChat').send({ username: 'doc_logout', password: PASSWORD })).body.data;
      conforms('post', route, await post(route).set('token', user.token).expect(200));
      conforms('post', route, await post(route).set('Authorization', `Bearer ${second.token}`).expect(200));
      conforms('post', route, await post(route).expect(401));
      conforms('post', route, await post(route).set('token', user.token).expect(401));
      conforms('post', route, await post(route).set('token', expiredToken(user)).expect(401));
      const third = (await post('/api/loginChat').send({ username: 'doc_logout', password: PASSWORD })).body.data;
      conforms('post', route, await post(route).set('token', third.token).type('form').send({ pad: BIG }).expect(413));
      conforms('post', route, await app.httpRequest().get(route).set('token', third.token).expect(404));
      mock(app, 'redis', unreachableRedis(app));
      conforms('post', route, await post(route).set('token', third.token).expect(503));
      mock.restore();
      app.mockServiceError('session', 'revoke', new RangeError('boom'));
      conforms('post', route, await post(route).set('token', third.token).expect(500));
      mock.restore();
      await disable(user.id);
      conforms('post', route, await post(route).set('token', third.token).expect(403));
    });
  });

  describe('POST /api/chat/searchUser', () => {
    const route = '/api/chat/searchUser';
    it('200 (form + token header, JSON + Bearer), 401, 403, 422, 413, 404, 503, 500', async () => {
      const me = await register('doc_search');
      await register('doc_other');
      const found = await post(route).set('token', me.token).type('form').send({ keyword: 'doc', limit: '5' }).expect(200);
      assert.equal(found.body.data.length, 1);
      conforms('post', route, found);
      conforms('post', route, await post(route).set('Authorization', `Bearer ${me.token}`).send({ keyword: 'doc', limit: 5 }).expect(200));
      conforms('post', route, await post(route).send({ keyword: 'doc' }).expect(401));
      conforms('post', route, await post(route).set('token', me.token).send({ keyword: '' }).expect(422));
      conforms('post', route, await post(route).set('token', me.token).send({ keyword: 'doc', limit: 0 }).expect(422));
      conforms('post', route, await post(route).set('token', me.token).send({ keyword: BIG }).expect(413));
      conforms('post', route, await app.httpRequest().get(route).expect(404));
      mock(app, 'redis', unreachableRedis(app));
      conforms('post', route, await post(route).set('token', me.token).send({ keyword: 'doc' }).expect(503));
      mock.restore();
      app.mockServiceError('account.search', 'users', new InternalError());
      conforms('post', route, await post(route).set('token', me.token).send({ keyword: 'doc' }).expect(500));
      mock.restore();
      await disable(me.id);
      conforms('post', route, await post(route).set('token', me.token).send({ keyword: 'doc' }).expect(403));
    });
  });

  describe('GET /api/health', () => {
    it('200 with both up, 503 naming Redis when it is unreachable', async () => {
      conforms('get', '/api/health', await app.httpRequest().get('/api/health').expect(200));
      mock(app, 'redis', unreachableRedis(app));
      conforms('get', '/api/health', await app.httpRequest().get('/api/health').expect(503));
    });
  });

  describe('GET /metrics', () => {
    it('200 (Prometheus text) to an allowed address, 404 to anyone else', async () => {
      const res = await app.httpRequest().get('/metrics').expect(200);
      const documented = spec.paths['/metrics'].get.responses['200'];
      for (const [ name, header ] of Object.entries<any>(documented.headers)) {
        const value = res.headers[name.toLowerCase()];
        if (header.required) assert.notEqual(value, undefined, `GET /metrics 200: header ${name} missing`);
        if (value !== undefined) matches(header.schema, value, `GET /metrics 200 header ${name}`);
      }
      assert.match(res.text, /^# TYPE im_http_requests_total counter$/m);
      seen.add('get /metrics 200');
      mock(app.config.im.metrics, 'allowIps', []);
      conforms('get', '/metrics', await app.httpRequest().get('/metrics').expect(404));
    });
  });

  describe('visitor routes', () => {
    const disabledVisitor = async (deviceId: string) => {
      const visitor = await arrive(deviceId);
      await disable(visitor.id);
    };
    const body = (route: string, extra: Record<string, unknown> = {}) => ({
      deviceId: newDeviceId(), timestamp: Date.now(), ...(route === '/api/visitorRegister' ? {} : { username: 'doc_visit', password: PASSWORD }),
      ...extra,
    });

    it('documents every visitors text', () => {
      const text = JSON.stringify(spec);
      const missing = Object.values(zhTexts.visitors).map(t => t.replace('{field}', 'timestamp')).filter(t => !text.includes(JSON.stringify(t)));
      assert.deepEqual(missing, []);
    });

    for (const [ route, method ] of [
      [ '/api/visitorRegister', 'arrive' ], [ '/api/visitorregChat', 'register' ], [ '/api/visitorloginChat', 'login' ],
    ] as const) {
      it(`${route}: 200 (JSON and form), 400, 403, 422, 413, 429, 404, 503, 500`, async () => {
        if (route === '/api/visitorloginChat') await register('doc_visit');
        conforms('post', route, await send(route, body(route)).expect(200));
        const form = body(route, route === '/api/visitorregChat' ? { username: 'doc_form' } : {});
        conforms('post', route, await send(route, form, { form: true }).expect(200));
        conforms('post', route, await send(route, body(route), { sign: null }).expect(400));
        conforms('post', route, await send(route, body(route), { sign: 'x', language: 'en' }).expect(400));
        conforms('post', route, await send(route, body(route, { timestamp: 1 })).expect(400));
        conforms('post', route, await send(route, body(route, { deviceId: 'short' })).expect(422));
        conforms('post', route, await send(route, body(route, { timestamp: 'soon' })).expect(422));
        conforms('post', route, await send(route, body(route, { pad: BIG })).expect(413));
        conforms('post', route, await app.httpRequest().get(route).expect(404));
        const deviceId = newDeviceId();
        if (route === '/api/visitorloginChat') {
          conforms('post', route, await send(route, body(route, { password: 'wrong-pass' })).expect(400));
          await app.model.User.update({ status: 0 }, { where: { username: 'doc_visit' } });
        } else {
          await disabledVisitor(deviceId);
        }
        conforms('post', route, await send(route, body(route, { deviceId })).expect(403));
        if (route === '/api/visitorregChat') conforms('post', route, await send(route, body(route)).expect(409));
        mock(app.config.im, 'visitors', { ...app.config.im.visitors, deviceLimit: 1 });
        const limited = body(route);
        // The device's one counted call; then a different one (re-entries and identical calls within 10 s count once).
        if (route === '/api/visitorRegister') await send('/api/visitorloginChat', { ...limited, username: 'doc_none', password: 'wrong-pass' });
        else await send(route, limited);
        conforms('post', route, await send(route, { ...limited, timestamp: Date.now(), ...(route === '/api/visitorRegister' ? {} : { password: 'other-pass' }) })
          .expect(429));
        mock.restore();
        mock(app, 'redis', unreachableRedis(app));
        conforms('post', route, await send(route, body(route)).expect(503));
        mock.restore();
        app.mockServiceError('visitors.visitor', method, new Error('SELECT * FROM user'));
        const crashed = await send(route, body(route)).expect(500);
        conforms('post', route, crashed);
        assert.equal(crashed.body.data, 'Internal Server Error');
      });
    }
  });

  describe('friends routes', () => {
    for (const operation of friendsOperations) {
      it(`${operation.method.toUpperCase()} ${operation.route}: every documented status`, async () => {
        for (const res of await operation.produce()) conforms(operation.method, operation.route, res);
      });
    }
  });

  describe('groups routes', () => {
    for (const operation of groupsOperations) {
      it(`${operation.method.toUpperCase()} ${operation.route}: every documented status`, async () => {
        for (const res of await operation.produce()) {
          // groupQrcode's 200 is a PNG, documented as such.
          if (/^image\/png/.test(res.headers['content-type'] ?? '')) {
            const documented = spec.paths[operation.route][operation.method].responses[String(res.status)];
            assert.ok(documented?.content['image/png'], `${operation.route} ${res.status}: PNG not documented`);
            assert.equal(res.headers['cache-control'], 'no-store');
            seen.add(`${operation.method} ${operation.route} ${res.status}`);
          } else {
            conforms(operation.method, operation.route, res);
          }
        }
      });
    }
  });

  describe('messaging routes', () => {
    const send = (token: string, body: object) => post('/api/chat/socket/sendmessage').set('token', token).send(body);
    const pair = () => friends('doc_msg_a', 'doc_msg_b');

    it('POST /api/chat/autoAddFriendAndAgree: 200 (form, JSON), 401, 403, 404, 409, 413, 422, 500, 503', async () => {
      const route = '/api/chat/autoAddFriendAndAgree';
      const add = (token: string) => post(route).set('token', token);
      const a = await user('doc_add_a');
      const open = (name: string) => user(name, { username: name, invite_confirm: 0 } as any);
      const [ b, c ] = [ await open('doc_add_b'), await open('doc_add_c') ];
      conforms('post', route, await add(a.token).type('form').send({ friend_id: String(b.id) }).expect(200));
      conforms('post', route, await add(a.token).send({ friend_id: c.id, nickname: 'hi' }).expect(200));
      conforms('post', route, await add(a.token).send({ friend_id: b.id }).expect(409));
      conforms('post', route, await add(b.token).send({ friend_id: (await user('doc_add_d')).id }).expect(403));
      conforms('post', route, await add(a.token).send({ friend_id: 999999 }).expect(404));
      conforms('post', route, await add(a.token).send({ friend_id: a.id }).expect(422));
      conforms('post', route, await add(a.token).send({ friend_id: 'x' }).expect(422));
      conforms('post', route, await add(a.token).type('form').send({ friend_id: '5', pad: BIG }).expect(413));
      conforms('post', route, await post(route).send({ friend_id: 5 }).expect(401));
      mock(app, 'redis', unreachableRedis(app));
      conforms('post', route, await add(a.token).send({ friend_id: 5 }).expect(503));
      mock.restore();
      app.mockServiceError('messaging.contacts', 'autoAddFriendAndAgree', new Error('SELECT * FROM goodfriend'));
      conforms('post', route, await add(a.token).send({ friend_id: 5 }).expect(500));
      mock.restore();
      await disable(a.id);
      conforms('post', route, await add(a.token).send({ friend_id: 5 }).expect(403));
    });

    it('GET /ws without Upgrade: 426', async () => {
      conforms('get', '/ws', await app.httpRequest().get('/ws').expect(426));
    });

    it('POST /api/chat/socket/sendmessage: 200 (JSON, form), 401, 403, 404, 413, 422, 429, 503, 500', async () => {
      const route = '/api/chat/socket/sendmessage';
      const { a, b } = await pair();
      conforms('post', route, await send(a.token, textBody(b.id, 'doc')).expect(200));
      conforms('post', route, await post(route).set('token', a.token).type('form')
        .send({ sendto_id: String(b.id), chatType: 'single', type: 'text', data: '{"data":"form"}' }).expect(200));
      conforms('post', route, await send('', textBody(b.id, 'x')).expect(401));
      conforms('post', route, await send(a.token, textBody(999999, 'x')).expect(404));
      conforms('post', route, await send(a.token, { ...textBody(b.id, 'x'), type: 'nope' }).expect(422));
      conforms('post', route, await send(a.token, { ...textBody(b.id, 'x'), pad: 'x'.repeat(70 * 1024) }).expect(413));
      await blacklist(b.id, a.id);
      conforms('post', route, await send(a.token, textBody(b.id, 'x')).expect(403));
      await app.model.Goodfriend.update({ isblack: 0 }, { where: { user_id: b.id } });
      mock(app.config.im.messaging, 'msgRateLimit', 1);
      const limited = await send(a.token, textBody(b.id, 'x')).expect(429);
      conforms('post', route, limited);
      mock.restore();
      mock(app, 'redis', unreachableRedis(app));
      conforms('post', route, await send(a.token, textBody(b.id, 'x')).expect(503));
      mock.restore();
      app.mockServiceError('messaging.chat', 'send', new RangeError('boom'));
      conforms('post', route, await send(a.token, textBody(b.id, 'x')).expect(500));
    });

    it('chatType group: sendmessage 200, 403, 404; revokeMessage 200; history 200 (messages and notices), 403, 404, 422', async () => {
      const { a, b } = await pair();
      const stranger = await user('doc_msg_g');
      const group = await makeGroup(a, [ b ], 'docs');
      await joinGroup(group.id, stranger);
      await app.model.query('DELETE FROM chat_group_user WHERE user_id = :id', { replacements: { id: stranger.id } });
      const sendRoute = '/api/chat/socket/sendmessage';
      const sent = await send(b.token, groupBody(group.id, 'doc')).expect(200);
      conforms('post', sendRoute, sent);
      conforms('post', sendRoute, await send(stranger.token, groupBody(group.id, 'x')).expect(403));
      conforms('post', sendRoute, await send(a.token, groupBody(group.id + 9, 'x')).expect(404));
      const revokeRoute = '/api/chat/revokeMessage';
      conforms('post', revokeRoute, await post(revokeRoute).set('token', a.token).send({ id: sent.body.data.id, chatType: 'group', to_id: group.id }).expect(200));
      const historyRoute = '/api/chat/history/{user_id}';
      const get = (path: string, token: string) => app.httpRequest().get(path).set('token', token);
      const history = await get(`/api/chat/history/${group.id}?chatType=group`, a.token).expect(200);
      assert.deepEqual(history.body.data.map((m: any) => m.type), [ 'text', 'systemNotice', 'systemNotice' ]);
      conforms('get', historyRoute, history);
      conforms('get', historyRoute, await get(`/api/chat/history/${group.id}?chatType=group`, stranger.token).expect(403));
      conforms('get', historyRoute, await get(`/api/chat/history/${group.id + 9}?chatType=group`, a.token).expect(404));
      conforms('get', historyRoute, await get(`/api/chat/history/${group.id}?chatType=room`, a.token).expect(422));
    });

    it('POST /api/chat/chatGetmessageOffLine: 200, 401, 403, 404, 413, 503, 500', async () => {
      const route = '/api/chat/chatGetmessageOffLine';
      const { a } = await pair();
      conforms('post', route, await post(route).set('token', a.token).expect(200));
      conforms('post', route, await post(route).expect(401));
      conforms('post', route, await post(route).set('token', a.token).type('form').send({ pad: BIG }).expect(413));
      conforms('post', route, await app.httpRequest().get(route).set('token', a.token).expect(404));
      mock(app, 'redis', unreachableRedis(app));
      conforms('post', route, await post(route).set('token', a.token).expect(503));
      mock.restore();
      app.mockServiceError('messaging.chat', 'requestCatchUp', new RangeError('boom'));
      conforms('post', route, await post(route).set('token', a.token).expect(500));
      mock.restore();
      await disable(a.id);
      conforms('post', route, await post(route).set('token', a.token).expect(403));
    });

    it('POST /api/chat/revokeMessage: 200, 401, 403, 404, 413, 422, 503, 500', async () => {
      const route = '/api/chat/revokeMessage';
      const { a, b } = await pair();
      const message = (await send(a.token, textBody(b.id, 'doc')).expect(200)).body.data;
      const body = { id: message.id, chatType: 'single', to_id: b.id };
      conforms('post', route, await post(route).set('token', b.token).send(body).expect(403));
      conforms('post', route, await post(route).set('token', a.token).send(body).expect(200));
      conforms('post', route, await post(route).send(body).expect(401));
      conforms('post', route, await post(route).set('token', a.token).send({ ...body, id: '1' + message.id }).expect(404));
      conforms('post', route, await post(route).set('token', a.token).send({ id: message.id }).expect(422));
      conforms('post', route, await post(route).set('token', a.token).send({ ...body, pad: BIG }).expect(413));
      mock(app, 'redis', unreachableRedis(app));
      conforms('post', route, await post(route).set('token', a.token).send(body).expect(503));
      mock.restore();
      app.mockServiceError('messaging.chat', 'revoke', new RangeError('boom'));
      conforms('post', route, await post(route).set('token', a.token).send(body).expect(500));
    });

    it('GET /api/chat/history/{user_id}: 200, 401, 403, 404, 422, 503, 500', async () => {
      const route = '/api/chat/history/{user_id}';
      const { a, b } = await pair();
      await send(a.token, textBody(b.id, 'doc')).expect(200);
      const get = (path: string, token?: string) => {
        const req = app.httpRequest().get(path);
        return token ? req.set('token', token) : req;
      };
      const found = await get(`/api/chat/history/${b.id}?limit=10`, a.token).expect(200);
      assert.equal(found.body.data.length, 1);
      conforms('get', route, found);
      conforms('get', route, await get(`/api/chat/history/${b.id}`).expect(401));
      conforms('get', route, await get(`/api/chat/history/${a.id}`, a.token).expect(422));
      conforms('get', route, await post(`/api/chat/history/${b.id}`).set('token', a.token).expect(404));
      mock(app, 'redis', unreachableRedis(app));
      conforms('get', route, await get(`/api/chat/history/${b.id}`, a.token).expect(503));
      mock.restore();
      app.mockServiceError('messaging.chat', 'history', new RangeError('boom'));
      conforms('get', route, await get(`/api/chat/history/${b.id}`, a.token).expect(500));
      mock.restore();
      await disable(a.id);
      conforms('get', route, await get(`/api/chat/history/${b.id}`, a.token).expect(403));
    });
  });

  describe('files', () => {
    const diy = '/api/chat/uploadStreamSingleToServerDiy';
    const images = '/api/chat/uploadAliyun';
    const shot = '/api/chat/getVideoScreenshot';
    const files = () => app.config.im.files;
    let token: string;
    beforeEach(async () => {
      await emptyStorage();
      await useDriver('local');
      token = (await register('doc_files')).token;
    });

    /** A stored file's answer: documented headers, and `seen` for the coverage check. */
    function conformsFile(res: Answer) {
      const what = `GET /public/uploads/{key} ${res.status}`;
      const documented = spec.paths['/public/uploads/{key}'].get.responses[String(res.status)];
      assert(documented, `${what}: status not documented`);
      for (const [ name, header ] of Object.entries<any>(documented.headers ?? {})) {
        const value = res.headers[name.toLowerCase()];
        assert.notEqual(value, undefined, `${what}: header ${name} missing`);
        matches(header.schema, value, `${what} header ${name}`);
      }
      seen.add(`get /public/uploads/{key} ${res.status}`);
    }

    for (const [ route, field, path ] of [[ diy, 'file', `${diy}/docs` ], [ images, 'img', images ]]) {
      const documentedRoute = route === diy ? `${diy}/{diydir}` : images;
      it(`${documentedRoute}: 200, 401, 413, 415, 422, 429, 503`, async () => {
        const send = (content: Buffer, name = field) => upload(path, token, [{ field: name, content }]);
        conforms('post', documentedRoute, await send(png()).expect(200));
        conforms('post', documentedRoute, await upload(path, undefined, [{ field, content: png() }]).expect(401));
        conforms('post', documentedRoute, await send(Buffer.concat([ png(), Buffer.alloc(10 * 1024 * 1024) ])).expect(413));
        conforms('post', documentedRoute, await send(Buffer.from('<svg/>')).expect(415));
        conforms('post', documentedRoute, await app.httpRequest().post(path).set('token', token).send({}).expect(415));
        conforms('post', documentedRoute, await send(Buffer.alloc(0)).expect(422));
        const { rm, writeFile } = await import('node:fs/promises');
        await rm(`${files().uploadDir}/${route === diy ? 'Diy' : 'images'}`, { recursive: true });
        await writeFile(`${files().uploadDir}/${route === diy ? 'Diy' : 'images'}`, 'blocks the folder');
        conforms('post', documentedRoute, await send(png()).expect(503));
        mock(files().quota.user, 'files', 1);
        conforms('post', documentedRoute, await send(png()).expect(429));
      });
    }

    it('getVideoScreenshot: 200, 401, 404, 422, 429, 503', async () => {
      const videoUrl = (await upload(`${diy}/docs`, token, [{ content: (await encodedMedia()).mp4 }]).expect(200)).body.data.url;
      conforms('post', shot, await post(shot).set('token', token).send({ videoUrl, width: 32 }).expect(200));
      conforms('post', shot, await post(shot).send({ videoUrl }).expect(401));
      conforms('post', shot, await post(shot).set('token', token).send({ videoUrl: '/x.mp4' }).expect(422));
      mock(files().ffmpeg, 'path', '/nonexistent/ffmpeg');
      conforms('post', shot, await post(shot).set('token', token).send({ videoUrl }).expect(503));
      mock(files().quota, 'screenshotsPerHour', 1);
      conforms('post', shot, await post(shot).set('token', token).send({ videoUrl }).expect(429));
      const { rm } = await import('node:fs/promises');
      await rm(`${files().uploadDir}/${videoUrl.slice('/public/uploads/'.length)}`);
      conforms('post', shot, await post(shot).set('token', token).send({ videoUrl }).expect(404));
    });

    it('GET /public/uploads/{key}: 200, 206, 404, 416', async () => {
      const url = (await upload(`${diy}/docs`, token, [{ content: png() }]).expect(200)).body.data.url;
      conformsFile(await app.httpRequest().get(url).expect(200));
      conformsFile(await app.httpRequest().get(url).set('Range', 'bytes=0-3').expect(206));
      const outside = await app.httpRequest().get(`${url}.png`).expect(404);
      seen.add('get /public/uploads/{key} 404');
      matches(spec.paths['/public/uploads/{key}'].get.responses['404'].content['application/json'].schema, outside.body, '404');
      const beyond = await app.httpRequest().get(url).set('Range', 'bytes=99999-').expect(416);
      conformsFile(beyond);
      matches(spec.paths['/public/uploads/{key}'].get.responses['416'].content['application/json'].schema, beyond.body, '416');
    });
  });

  // A suite of its own: mocha runs a suite's own tests before its child suites.
  describe('coverage', () => it('every status documented for every operation was produced above and matched its schema', () => {
    const unchecked: string[] = [];
    for (const [ route, item ] of Object.entries<any>(spec.paths)) {
      for (const [ method, operation ] of Object.entries<any>(item)) {
        // The console's HTML pages and forms: their statuses are checked by test/app/admin/*.test.ts.
        if (operation.tags?.includes('console')) continue;
        for (const status of Object.keys(operation.responses)) {
          if (!seen.has(`${method} ${route} ${status}`)) unchecked.push(`${method} ${route} ${status}`);
        }
      }
    }
    assert.deepEqual(unchecked, []);
  }));
});
