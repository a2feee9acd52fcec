// Operator-console test helpers: admins made through the admins service, a login that keeps the
// `admin_sid` cookie and the page's CSRF token, and TOTP codes of a known secret.
import { strict as assert } from 'node:assert';
import { app } from 'egg-mock/bootstrap';
import { cachedFiguresKey } from '../../../app/lib/admin/keys';
import { AdminRole } from '../../../app/lib/admin/roles';
import { seal } from '../../../app/lib/admin/secretBox';
import { newTotpSecret, totpCode, TOTP_PERIOD } from '../../../app/lib/admin/totp';

export const ADMIN_PASSWORD = 'correct-horse-battery';

export async function createAdmin(username: string, role: AdminRole = 'super', totp = false): Promise<{ id: number; secret: string | null }> {
  const id = await app.mockContext().service.admin.admins.create(username, ADMIN_PASSWORD, role, null);
  let secret: string | null = null;
  if (totp) {
    secret = newTotpSecret();
    await app.repos.admin.saveAdmin(id, { totp_secret: seal(secret, app.config.im.admin.secretKey) });
  }
  return { id, secret };
}

/** The `name=value` of a Set-Cookie header. */
export function cookieOf(res: { headers: Record<string, any> }, name: string): string | undefined {
  const cookies: string[] = res.headers['set-cookie'] ?? [];
  const line = cookies.find(c => c.startsWith(`${name}=`));
  return line?.split(';')[0];
}

export const csrfOf = (html: string) => /name="_csrf" value="([^"]*)"/.exec(html)?.[1] ?? '';

/** The login form's CSRF cookie and token. */
export async function loginForm() {
  const res = await app.httpRequest().get('/admin/login').expect(200);
  return { cookie: cookieOf(res, 'admin_csrf')!, csrf: csrfOf(res.text) };
}

export function postLogin(fields: Record<string, string>, form?: { cookie: string; csrf: string }) {
  return (async () => {
    const f = form ?? await loginForm();
    return app.httpRequest().post('/admin/login').set('Cookie', f.cookie).type('form').send({ _csrf: f.csrf, ...fields });
  })();
}

export interface AdminAgent {
  cookie: string;
  csrf: string;
  get(path: string): Promise<any>;
  post(path: string, fields?: Record<string, string>, csrf?: string | null): Promise<any>;
}

/** Logs in (with a code when `secret` is given) and returns an agent with the session cookie and CSRF token. */
export async function loginAs(username: string, secret: string | null = null, now = Date.now()): Promise<AdminAgent> {
  const fields: Record<string, string> = { username, password: ADMIN_PASSWORD };
  if (secret) fields.otp = totpCode(secret, now);
  const res = await postLogin(fields);
  assert.equal(res.status, 303, res.text);
  const cookie = cookieOf(res, 'admin_sid')!;
  assert.ok(cookie, 'a session cookie');
  const page = await app.httpRequest().get('/admin/me/2fa').set('Cookie', cookie).expect(200);
  const agent: AdminAgent = {
    cookie,
    csrf: csrfOf(page.text),
    get: path => app.httpRequest().get(path).set('Cookie', cookie) as any,
    post: (path, fields = {}, csrf) => app.httpRequest().post(path).set('Cookie', cookie).type('form')
      .send(csrf === null ? fields : { _csrf: csrf ?? agent.csrf, ...fields }) as any,
  };
  return agent;
}

/** A code of the time step after `now`'s (a fresh code after one was used). */
export const nextCode = (secret: string, now = Date.now()) => totpCode(secret, now + TOTP_PERIOD * 1000);

export async function auditRows(action?: string) {
  const rows = await app.repos.admin.listAudit(action ? { action } : {}, 0, 100);
  return rows;
}

/** The dashboard's queried figures recomputed now (the background refresh may have run before the test's rows). */
export async function refreshFigures() {
  await app.redis.del(cachedFiguresKey());
  await app.mockContext().service.admin.dashboard.refresh();
}
