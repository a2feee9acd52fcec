import { Application } from 'egg';
import { app } from 'egg-mock/bootstrap';

export const PASSWORD = 'secret123';

/** Empties the `user` table and this app's Redis keys (the test database only). */
export async function resetData(application: Application = app): Promise<void> {
  const database = application.model.getDatabaseName();
  if (!/unittest/.test(database)) throw new Error(`refusing to wipe non-test database "${database}"`);
  await application.model.query('TRUNCATE TABLE `user`');
  // TRUNCATE fires no trigger: empty the search index too (see the search index migration).
  await application.model.query('TRUNCATE TABLE user_search_gram');
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

export function search(token: string, body: Record<string, unknown>) {
  return post('/api/chat/searchUser').set('token', token).type('form').send(body);
}

export function logout(token: string) {
  return post('/api/chat/logout').set('token', token);
}
