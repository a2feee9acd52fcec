import { strict as assert } from 'node:assert';
import { KeyObject, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import { Application } from 'egg';
import { app } from 'egg-mock/bootstrap';
import { QueryTypes } from 'sequelize';
import { hashPassword } from '../app/lib/account/password';
import { User } from '../app/model/user';

export const PASSWORD = 'secret123';

// CONTRACT: the user object's keys in the seed's order, and a search result's keys.
export const USER_KEYS = [
  'create_time', 'id', 'uuid', 'username', 'nickname', 'avatar', 'mobile', 'email', 'status', 'last_login',
  'last_login_ip', 'register_time', 'register_ip', 'is_deleted', 'wechat_openid', 'qq_openid', 'weibo_uid',
  'role', 'is_email_verified', 'is_mobile_verified', 'order', 'update_time', 'token',
];
export const SEARCH_RESULT_KEYS = [ 'id', 'username', 'avatar', 'role', 'uuid', 'nickname' ];
export const TOKEN_CLAIMS = [ 'id', 'uuid', 'username', 'role', 'sid', 'iat', 'exp' ];

export const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
export const LOCAL_DATETIME = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;
export const ISO_UTC_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

// Tables the migrations fill and the tests never change.
const KEPT_TABLES = new Set([ 'sequelize_meta', 'user_search_gram_slot' ]);
const tablesOf = new WeakMap<Application, Promise<string[]>>();

/**
 * Empties every table the tests write to (the test database only) and this app's Redis keys.
 * Only tables that hold rows are truncated: a TRUNCATE costs a few milliseconds even on an empty
 * table. TRUNCATE fires no trigger, so the search index is emptied like any other table.
 */
export async function resetData(application: Application = app): Promise<void> {
  const database = application.model.getDatabaseName();
  if (!/unittest/.test(database)) throw new Error(`refusing to wipe non-test database "${database}"`);
  if (!tablesOf.has(application)) {
    tablesOf.set(application, application.model.query<{ name: string }>(
      'SELECT table_name AS name FROM information_schema.tables WHERE table_schema = DATABASE() AND table_type = \'BASE TABLE\'',
      { type: QueryTypes.SELECT }).then(rows => rows.map(row => row.name).filter(name => !KEPT_TABLES.has(name))));
  }
  const tables = await tablesOf.get(application)!;
  // EXISTS stops at the first row; COUNT(*) would read all of them (100,000 users after searchPlan),
  // which on a busy server outlasts the app's 2 s query timeout.
  const filled = await application.model.query<{ name: string }>(
    tables.map(name => `SELECT '${name}' AS name FROM DUAL WHERE EXISTS (SELECT 1 FROM \`${name}\`)`).join(' UNION ALL '),
    { type: QueryTypes.SELECT });
  // One connection with foreign-key checks off: MariaDB refuses to TRUNCATE a table that a foreign
  // key references (visitor_device -> user), even an empty one.
  if (filled.length) {
    await application.model.transaction(async transaction => {
      const run = (sql: string) => application.model.query(sql, { transaction });
      await run('SET FOREIGN_KEY_CHECKS = 0');
      try {
        for (const { name } of filled) await run(`TRUNCATE TABLE \`${name}\``);
      } finally {
        await run('SET FOREIGN_KEY_CHECKS = 1');
      }
    });
  }
  const keys = await application.redis.keys('im:*');
  if (keys.length) await application.redis.del(...keys);
}

export function post(path: string) {
  return app.httpRequest().post(path);
}

/** Registers through the API and returns the user object (with its token). */
export async function register(username: string, password = PASSWORD) {
  const res = await post('/api/regChat').type('form').send({ username, password }).expect(200);
  return res.body.data;
}

export async function login(username: string, password = PASSWORD) {
  const res = await post('/api/loginChat').type('form').send({ username, password }).expect(200);
  return res.body.data;
}

/**
 * Sends form bodies to `path` all at once over real connections. egg-mock's httpRequest()
 * cannot do this: its requests share one server, which the request that started it closes
 * when it ends, resetting the connections of the others (ECONNRESET).
 */
export async function postConcurrently(
  path: string, bodies: Array<Record<string, string>>, headersOf: (body: Record<string, string>) => Record<string, string> = () => ({}),
) {
  const server = createServer(app.callback());
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = server.address() as AddressInfo;
    return await Promise.all(bodies.map(async body => {
      const res = await fetch(`http://127.0.0.1:${port}${path}`, { method: 'POST', body: new URLSearchParams(body), headers: headersOf(body) });
      return { status: res.status, headers: Object.fromEntries(res.headers), body: await res.json() as any };
    }));
  } finally {
    await new Promise(resolve => server.close(resolve));
  }
}

export function search(token: string, body: Record<string, unknown>) {
  return post('/api/chat/searchUser').set('token', token).type('form').send(body);
}

export function searchJson(token: string, body: unknown) {
  return post('/api/chat/searchUser').set('token', token).type('json').send(body as object);
}

export function logout(token: string) {
  return post('/api/chat/logout').set('token', token);
}

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

/** CONTRACT: a failure is `{"msg":"fail","data":<reason>}`, JSON, with its status. */
export function assertFail(res: Answer, status: number, reason: string) {
  assert.equal(res.status, status, `expected ${status}, got ${res.status}: ${JSON.stringify(res.body)}`);
  assert.match(res.headers['content-type'] ?? '', /^application\/json/);
  assert.deepEqual(res.body, { msg: 'fail', data: reason });
}

export function assertOk(res: Answer) {
  assert.equal(res.status, 200, `expected 200, got ${res.status}: ${JSON.stringify(res.body)}`);
  assert.match(res.headers['content-type'] ?? '', /^application\/json/);
  assert.equal((res.body as { msg: string }).msg, 'ok');
  return (res.body as { data: any }).data;
}

/** Park-Miller: the same random sequence on every run for one seed (tests of random changes). */
export function prng(seed: number): () => number {
  let state = (Math.abs(Math.floor(seed)) % 2147483646) + 1;
  return () => {
    state = (state * 48271) % 2147483647;
    return (state - 1) / 2147483646;
  };
}

/** `create_time` as the contract shows it: the instant on a clock at `offset` (e.g. +08:00). */
export function expectedLocalTime(isoUtc: string, offsetMinutes: number): string {
  return new Date(Date.parse(isoUtc) + offsetMinutes * 60_000).toISOString().slice(0, 19).replace('T', ' ');
}

/**
 * CONTRACT: the user object. Checks keys, order, formats and defaults of a freshly
 * registered or logged-in user, and that it matches its row.
 */
export async function assertUserObject(user: Record<string, any>, username: string) {
  assert.deepEqual(Object.keys(user), USER_KEYS);
  const row = await findUserRow(username);
  assert.ok(row, `no row for ${username}`);
  assert.ok(Number.isSafeInteger(user.id) && user.id > 0);
  assert.equal(user.id, row.id);
  assert.match(user.uuid, UUID_V4);
  assert.equal(user.uuid, row.uuid);
  assert.equal(user.username, row.username);
  assert.match(user.create_time, LOCAL_DATETIME);
  assert.equal(user.create_time, expectedLocalTime(row.create_time.toISOString(), 8 * 60));
  assert.match(user.register_time, ISO_UTC_MS);
  assert.equal(user.register_time, row.register_time.toISOString());
  assert.match(user.update_time, ISO_UTC_MS);
  assert.equal(user.update_time, row.update_time.toISOString());
  assert.equal(user.register_ip, '127.0.0.1');
  assert.deepEqual({
    nickname: user.nickname, avatar: user.avatar, mobile: user.mobile, email: user.email, status: user.status,
    is_deleted: user.is_deleted, wechat_openid: user.wechat_openid, qq_openid: user.qq_openid,
    weibo_uid: user.weibo_uid, role: user.role, is_email_verified: user.is_email_verified,
    is_mobile_verified: user.is_mobile_verified, order: user.order,
  }, {
    nickname: '', avatar: 'https://thinkphp-all.oss-cn-hangzhou.aliyuncs.com/public/67b3001b2aedd.png',
    mobile: null, email: null, status: 1, is_deleted: 0, wechat_openid: null, qq_openid: null, weibo_uid: null,
    role: 'user', is_email_verified: 0, is_mobile_verified: 0, order: 50,
  });
  assertTokenOf(user);
  // CONTRACT: the password, or any hash of it, never appears in a response.
  const text = JSON.stringify(user);
  assert.ok(!/password/i.test(text));
  assert.ok(!text.includes(row.password));
  for (const part of row.password.split('$').slice(4)) assert.ok(!text.includes(part));
}

/** CONTRACT: the token names the user and a live session, and carries nothing else. */
export function assertTokenOf(user: Record<string, any>) {
  const [ header ] = user.token.split('.');
  assert.equal(JSON.parse(Buffer.from(header, 'base64url').toString()).alg, 'HS256');
  const claims = tokenPayload(user.token);
  assert.deepEqual(Object.keys(claims).sort(), [ ...TOKEN_CLAIMS ].sort());
  assert.deepEqual(
    { id: claims.id, uuid: claims.uuid, username: claims.username, role: claims.role },
    { id: user.id, uuid: user.uuid, username: user.username, role: user.role });
  assert.equal(typeof claims.sid, 'string');
  assert.equal(Number(claims.exp) - Number(claims.iat), app.config.im.token.ttlSeconds);
}

/** A token's payload, read without verifying it. */
export function tokenPayload(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString());
}

const base64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** A token of the given header and payload with the signature part of `signature`. */
export function forgeToken(header: object, payload: object, signature = '') {
  return `${base64url(header)}.${base64url(payload)}.${signature}`;
}

/** The app's token secret (config.jwt holds it as a KeyObject). */
export function appJwtSecret(): string {
  return (app.config.jwt.secret as unknown as KeyObject).export().toString();
}

/** Signs claims the way the app does, with the app's secret unless told otherwise. */
export function signToken(claims: object, secret = appJwtSecret(), algorithm: 'HS256' | 'HS384' | 'HS512' = 'HS256') {
  return app.jwt.sign(claims, secret, { algorithm });
}

// One scrypt hash of PASSWORD, computed once, for rows inserted straight into the table.
let passwordHash: Promise<string> | undefined;
export function hashOfPassword(): Promise<string> {
  passwordHash ??= hashPassword(PASSWORD, app.config.im.password);
  return passwordHash;
}

type UserAttributes = Partial<Pick<User, 'username' | 'password' | 'nickname' | 'status' | 'is_deleted' | 'role'>>;

/**
 * Inserts users straight into the table, for states the API cannot create (disabled,
 * deleted, visitor, names with characters the API refuses) and for bulk search fixtures.
 * Rows get ascending ids in the given order; their password is PASSWORD.
 */
export async function insertUsers(rows: Array<UserAttributes & { username: string }>): Promise<User[]> {
  const password = await hashOfPassword();
  const now = new Date();
  return app.model.User.bulkCreate(rows.map(row => ({
    uuid: randomUUID(),
    password,
    avatar: app.config.im.user.defaultAvatar,
    register_time: now,
    register_ip: '127.0.0.1',
    create_time: now,
    update_time: now,
    ...row,
  })));
}

export async function insertUser(row: UserAttributes & { username: string }): Promise<User> {
  const [ user ] = await insertUsers([ row ]);
  return user;
}

/** Opens a session for a row inserted with insertUser (e.g. a visitor) and returns its token. */
export function openSession(user: Pick<User, 'id' | 'uuid' | 'username' | 'role'>): Promise<string> {
  return app.mockContext().service.session.open(user);
}

export function setUser(id: number, attributes: UserAttributes) {
  return app.model.User.update(attributes, { where: { id } });
}

export function findUserRow(username: string) {
  return app.model.User.findOne({ where: { username }, raw: true });
}

export function countUsers() {
  return app.model.User.count();
}

/** Session ids the user holds in Redis. */
export function sessionIds(userId: number): Promise<string[]> {
  return app.redis.zrange(app.config.im.session.keyPrefix + userId, 0, -1);
}

/** A request body sent raw as a form (`form`) or as JSON (`json`). */
export interface BodyCase {
  title: string;
  form?: string;
  json?: unknown;
  reason: string;
}

export function sendBody(path: string, body: BodyCase, token?: string) {
  const req = post(path);
  if (token) req.set('token', token);
  return body.form === undefined ? req.type('json').send(JSON.stringify(body.json)) : req.type('form').send(body.form);
}

const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
const emoji = (n: number) => '😀'.repeat(n);

// CONTRACT: regChat and loginChat share their fields and rules (app/lib/rules.ts).
export const INVALID_CREDENTIALS: BodyCase[] = [
  { title: 'username of 3 characters', form: form({ username: 'abc', password: PASSWORD }), reason: 'username 长度应为 4-20 位' },
  { title: 'username of 21 characters', json: { username: 'a'.repeat(21), password: PASSWORD }, reason: 'username 长度应为 4-20 位' },
  { title: 'empty username', form: form({ username: '', password: PASSWORD }), reason: 'username 长度应为 4-20 位' },
  { title: 'username with a hyphen', form: form({ username: 'ab-cd', password: PASSWORD }), reason: 'username 只能包含字母、数字和下划线' },
  { title: 'username with a space', form: form({ username: 'ab cd', password: PASSWORD }), reason: 'username 只能包含字母、数字和下划线' },
  { title: 'username with a trailing newline', json: { username: 'abcd\n', password: PASSWORD }, reason: 'username 只能包含字母、数字和下划线' },
  { title: 'username with %', json: { username: 'ab%cd', password: PASSWORD }, reason: 'username 只能包含字母、数字和下划线' },
  { title: 'username in Chinese', form: form({ username: '用户名字', password: PASSWORD }), reason: 'username 只能包含字母、数字和下划线' },
  { title: 'username with an accented letter', json: { username: 'ábcd', password: PASSWORD }, reason: 'username 只能包含字母、数字和下划线' },
  { title: 'password of 5 characters', form: form({ username: 'abcd', password: '12345' }), reason: 'password 长度应为 6-20 位' },
  { title: 'password of 21 characters', json: { username: 'abcd', password: 'p'.repeat(21) }, reason: 'password 长度应为 6-20 位' },
  { title: 'password of 5 emoji (10 UTF-16 units)', json: { username: 'abcd', password: emoji(5) }, reason: 'password 长度应为 6-20 位' },
  { title: 'password of 21 emoji', form: form({ username: 'abcd', password: emoji(21) }), reason: 'password 长度应为 6-20 位' },
  { title: 'no fields at all (form)', form: '', reason: 'username 不能为空' },
  { title: 'no fields at all (JSON)', json: {}, reason: 'username 不能为空' },
  { title: 'missing password', form: form({ username: 'abcd' }), reason: 'password 不能为空' },
  { title: 'missing username', json: { password: PASSWORD }, reason: 'username 不能为空' },
  { title: 'JSON null username', json: { username: null, password: PASSWORD }, reason: 'username 不能为空' },
  { title: 'JSON number username', json: { username: 12345, password: PASSWORD }, reason: 'username 必须是字符串' },
  { title: 'JSON boolean username', json: { username: true, password: PASSWORD }, reason: 'username 必须是字符串' },
  { title: 'JSON object username', json: { username: { $ne: 'x' }, password: PASSWORD }, reason: 'username 必须是字符串' },
  { title: 'JSON array username', json: { username: [ 'abcd' ], password: PASSWORD }, reason: 'username 必须是字符串' },
  { title: 'JSON number password', json: { username: 'abcd', password: 123456 }, reason: 'password 必须是字符串' },
  { title: 'JSON array password', json: { username: 'abcd', password: [ PASSWORD ] }, reason: 'password 必须是字符串' },
  { title: 'JSON object password', json: { username: 'abcd', password: { a: PASSWORD } }, reason: 'password 必须是字符串' },
  { title: 'form username[]=...', form: `username[]=abcd&password=${PASSWORD}`, reason: 'username 必须是字符串' },
  { title: 'form username[key]=...', form: `username[a]=abcd&password=${PASSWORD}`, reason: 'username 必须是字符串' },
  { title: 'form username repeated', form: `username=abcd&username=efgh&password=${PASSWORD}`, reason: 'username 必须是字符串' },
  { title: 'form password repeated', form: `username=abcd&password=${PASSWORD}&password=${PASSWORD}`, reason: 'password 必须是字符串' },
  { title: 'JSON array as the body', json: [ 'abcd', PASSWORD ], reason: 'username 不能为空' },
  { title: 'JSON string as the body', json: 'abcd', reason: '请求体格式错误' },
];

export const VALID_BOUNDARIES = [
  { title: 'username of 4 and password of 6 characters', username: 'abcd', password: '123456' },
  { title: 'username of 20 and password of 20 characters', username: 'A_'.repeat(10), password: 'p'.repeat(20) },
  { title: 'password of 6 emoji', username: 'emoji6', password: emoji(6) },
  { title: 'password of 20 emoji (40 UTF-16 units)', username: 'emoji20', password: emoji(20) },
  { title: 'password of any characters', username: 'anychars_09', password: '密码 "\'<>%_\\;' },
];

/** How a request under /api/chat must fail; `prepare` turns a registered user into headers. */
export interface AuthFailure {
  title: string;
  status: number;
  reason: string;
  prepare(user: { id: number; token: string }): Promise<Record<string, string>>;
}

const TOKEN_MISSING = '您没有权限访问即时通讯接口';
const TOKEN_INVALID = 'Token 令牌不合法！';

/** The user's real claims, re-signed with changes (and the app's secret unless told otherwise). */
function resign(token: string, changes: object, secret?: string, algorithm?: 'HS256' | 'HS512') {
  return signToken({ ...tokenPayload(token), ...changes }, secret, algorithm);
}

// CONTRACT: every route under /api/chat (auth middleware).
export const AUTH_FAILURES: AuthFailure[] = [
  { title: 'no token header', status: 401, reason: TOKEN_MISSING, prepare: async () => ({}) },
  { title: 'an empty token header', status: 401, reason: TOKEN_MISSING, prepare: async () => ({ token: '' }) },
  { title: 'Authorization with another scheme', status: 401, reason: TOKEN_MISSING,
    prepare: async ({ token }) => ({ Authorization: `Basic ${token}` }) },
  { title: 'Authorization: Bearer without a token', status: 401, reason: TOKEN_MISSING,
    prepare: async () => ({ Authorization: 'Bearer ' }) },
  { title: 'a malformed token', status: 401, reason: TOKEN_INVALID, prepare: async () => ({ token: 'not-a-jwt' }) },
  { title: 'three dots of garbage', status: 401, reason: TOKEN_INVALID, prepare: async () => ({ token: 'a.b.c' }) },
  { title: 'a malformed Bearer token', status: 401, reason: TOKEN_INVALID,
    prepare: async () => ({ Authorization: 'Bearer xx.yy.zz' }) },
  { title: 'a tampered payload (role) with the original signature', status: 401, reason: TOKEN_INVALID,
    prepare: async ({ token }) => {
      const [ header, , signature ] = token.split('.');
      const forged = forgeToken({}, { ...tokenPayload(token), role: 'admin' }).split('.')[1];
      return { token: `${header}.${forged}.${signature}` };
    } },
  { title: 'an "alg: none" token with the real claims', status: 401, reason: TOKEN_INVALID,
    prepare: async ({ token }) => ({ token: forgeToken({ alg: 'none', typ: 'JWT' }, tokenPayload(token)) }) },
  { title: 'a token signed with a wrong secret', status: 401, reason: TOKEN_INVALID,
    prepare: async ({ token }) => ({ token: resign(token, {}, 'a-wrong-secret-of-at-least-32-characters!!') }) },
  { title: 'a token signed with the real secret but another algorithm (HS512)', status: 401, reason: TOKEN_INVALID,
    prepare: async ({ token }) => ({ token: resign(token, {}, undefined, 'HS512') }) },
  { title: 'a signed token naming no session', status: 401, reason: TOKEN_INVALID,
    prepare: async ({ token }) => ({ token: resign(token, { sid: undefined }) }) },
  { title: 'a signed token naming an unknown session', status: 401, reason: TOKEN_INVALID,
    prepare: async ({ token }) => ({ token: resign(token, { sid: 'no-such-session' }) }) },
  { title: 'an expired token (real secret, session still live)', status: 401, reason: 'Token已过期！请重新获取令牌',
    prepare: async ({ token }) => {
      const now = Math.floor(Date.now() / 1000);
      return { token: resign(token, { iat: now - 120, exp: now - 60 }) };
    } },
  { title: 'a session whose Redis expiry has passed', status: 401, reason: TOKEN_INVALID,
    prepare: async ({ id, token }) => {
      await app.redis.zadd(app.config.im.session.keyPrefix + id, Date.now() - 1000, String(tokenPayload(token).sid));
      return { token };
    } },
  { title: 'a token whose user was deleted (is_deleted 1) after login', status: 401, reason: TOKEN_INVALID,
    prepare: async ({ id, token }) => {
      await setUser(id, { is_deleted: 1 });
      return { token };
    } },
  { title: 'a token whose user row was removed after login', status: 401, reason: TOKEN_INVALID,
    prepare: async ({ id, token }) => {
      await app.model.User.destroy({ where: { id } });
      return { token };
    } },
  { title: 'a token whose user was disabled after login', status: 403, reason: '当前用户不存在或者已被禁用',
    prepare: async ({ id, token }) => {
      await setUser(id, { status: 0 });
      return { token };
    } },
  { title: 'a logged-out token', status: 401, reason: TOKEN_INVALID,
    prepare: async ({ token }) => {
      assertOk(await logout(token));
      return { token };
    } },
];
