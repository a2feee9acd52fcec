// Helpers of the visitor-mode tests (README "Visitor mode").
import { strict as assert } from 'node:assert';
import { createHash, randomUUID } from 'node:crypto';
import { app, mm } from 'egg-mock/bootstrap';
import { PASSWORD, USER_KEYS, assertOk, postConcurrently } from '../../helpers';

export const REGISTER = '/api/visitorRegister';
export const REG_CHAT = '/api/visitorregChat';
export const LOGIN_CHAT = '/api/visitorloginChat';
export const VISITOR_ROUTES = [ REGISTER, REG_CHAT, LOGIN_CHAT ] as const;

/** The course client's salt, the server's default. */
export const CLIENT_SALT = '45ncashdaksh2!#@3nxjdas*_259';

// CONTRACT: V = the user object with the device columns after `avatar`.
const afterAvatar = USER_KEYS.indexOf('avatar') + 1;
export const DEVICE_USER_KEYS = [
  ...USER_KEYS.slice(0, afterAvatar), 'devicefingeruuid', 'uniplatform', 'devicemodel', 'deviceos', 'devicebrand',
  ...USER_KEYS.slice(afterAvatar),
];

/** A device id as the app makes it: a UUID, 36 characters. */
export const newDeviceId = (): string => randomUUID();

/** The app's X-Security-Sign, written out here as the client computes it. */
export function signOf(deviceId: unknown, timestamp: unknown, salt = app.config.im.visitors.signSalt): string {
  return createHash('sha256').update(`deviceId=${deviceId}&salt=${salt}&timestamp=${timestamp}APP_SECRET`).digest('hex');
}

export interface SendOptions {
  /** The header's value; default: the right signature of the body; null: no header. */
  sign?: string | null;
  /** Send a form body (all values as text) instead of JSON. */
  form?: boolean;
  language?: string;
}

/** POSTs `body` to a visitor route, signed unless told otherwise. */
export function send(route: string, body: Record<string, unknown>, options: SendOptions = {}) {
  const req = app.httpRequest().post(route);
  const sign = options.sign === undefined ? signOf(body.deviceId, body.timestamp) : options.sign;
  if (sign !== null) req.set('X-Security-Sign', sign);
  if (options.language) req.set('Accept-Language', options.language);
  if (!options.form) return req.send(body);
  return req.type('form').send(new URLSearchParams(Object.entries(body).map(([ k, v ]) => [ k, String(v) ])).toString());
}

/** visitorRegister for the device, answering V. */
export async function arrive(deviceId: string = newDeviceId(), stats: Record<string, unknown> = {}) {
  return assertOk(await send(REGISTER, { deviceId, timestamp: Date.now(), ...stats }));
}

/** visitorregChat (or visitorloginChat) on the device, answering V. */
export async function withCredentials(route: string, deviceId: string, username: string, password = PASSWORD) {
  return assertOk(await send(route, { deviceId, timestamp: Date.now(), username, password }));
}

/** Signed form bodies sent all at once over real connections. */
export function sendConcurrently(route: string, bodies: Array<Record<string, string>>) {
  return postConcurrently(route, bodies, body => ({ 'X-Security-Sign': signOf(body.deviceId, body.timestamp) }));
}

export function bindingOf(deviceId: string) {
  return app.model.VisitorDevice.findByPk(deviceId, { raw: true });
}

export function userRow(id: number) {
  return app.model.User.findByPk(id, { raw: true });
}

/** Changes im.visitors settings for the current test (egg-mock restores them after it). */
export function visitorSettings(overrides: Partial<typeof app.config.im.visitors>) {
  mm(app.config.im, 'visitors', { ...app.config.im.visitors, ...overrides });
}

/** V of a visitor as the contract shows it. */
export function assertVisitorObject(user: Record<string, any>, deviceId: string) {
  assert.deepEqual(Object.keys(user), DEVICE_USER_KEYS);
  assert.equal(user.role, 'visitor');
  assert.equal(user.devicefingeruuid, deviceId);
  assert.equal(user.nickname, '');
  assert.equal(user.avatar, app.config.im.user.defaultAvatar);
}
