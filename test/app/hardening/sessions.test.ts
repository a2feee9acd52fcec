import { strict as assert } from 'node:assert';
import { app, mm } from 'egg-mock/bootstrap';
import { PASSWORD, post, register, search } from '../../helpers';
import { keepTestServerListening } from './support';

const attemptLogin = () => post('/api/loginChat').type('form').send({ username: 'many1', password: PASSWORD });

async function liveTokens(tokens: string[]): Promise<boolean[]> {
  const results = [];
  for (const token of tokens) {
    const res = await search(token, { keyword: 'zzz' });
    assert.ok(res.status === 200 || res.status === 401, `status ${res.status}`);
    results.push(res.status === 200);
  }
  return results;
}

describe('sessions per user are bounded (CONTRACT: SESSION_MAX)', () => {
  keepTestServerListening();

  it('SESSION_MAX + 5 sequential logins leave exactly SESSION_MAX live tokens, the newest', async () => {
    const max = app.config.im.session.max;
    const { id } = await register('many1');
    const tokens: string[] = [];
    for (let i = 0; i < max + 5; i++) tokens.push((await attemptLogin().expect(200)).body.data.token);
    const live = await liveTokens(tokens);
    assert.deepEqual(live, [ ...Array(5).fill(false), ...Array(max).fill(true) ]);
    // The registration's own session was the oldest of all.
    assert.equal(await app.redis.zcard(`im:sess:${id}`), max);
  });

  it('SESSION_MAX + 5 concurrent logins leave exactly SESSION_MAX live tokens, and the next login stays live', async () => {
    const max = app.config.im.session.max;
    // An attempt holds a place in the failed-login buckets while its password is checked (so a
    // burst cannot try more passwords than the limit); this test is about sessions alone.
    mm(app.config.im, 'rateLimit', { ...app.config.im.rateLimit, loginFailLimitUserIp: 1000, loginFailLimitIp: 1000 });
    const { id, token: registrationToken } = await register('many1');
    const results = await Promise.all(Array.from({ length: max + 5 }, () => attemptLogin()));
    assert.deepEqual(results.map(res => res.status), Array(max + 5).fill(200));
    const tokens = results.map(res => res.body.data.token);
    const live = await liveTokens([ registrationToken, ...tokens ]);
    assert.equal(live.filter(Boolean).length, max);
    assert.equal(await app.redis.zcard(`im:sess:${id}`), max);

    // Redis holds exactly the live ones, and one more login still evicts rather than grows.
    const decoded = tokens.map(token => JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()));
    const scores = await Promise.all(decoded.map(claims => app.redis.zscore(`im:sess:${id}`, claims.sid)));
    assert.equal(scores.filter(score => score !== null).length, max);
    const next = (await attemptLogin().expect(200)).body.data.token;
    assert.deepEqual(await liveTokens([ next ]), [ true ]);
    assert.equal(await app.redis.zcard(`im:sess:${id}`), max);
  });

  it('SESSION_MAX comes from configuration', async () => {
    mm(app.config.im, 'session', { ...app.config.im.session, max: 2 });
    await register('many1');
    const tokens = [];
    for (let i = 0; i < 4; i++) tokens.push((await attemptLogin().expect(200)).body.data.token);
    assert.deepEqual(await liveTokens(tokens), [ false, false, true, true ]);
  });

  it('Redis memory per session (printed for the README)', async () => {
    const max = app.config.im.session.max;
    const { id } = await register('many1');
    for (let i = 0; i < max; i++) await attemptLogin().expect(200);
    const bytes = Number(await app.redis.memory('USAGE', `im:sess:${id}`));
    assert.ok(bytes > 0);
    // eslint-disable-next-line no-console
    console.log(`      im:sess:<id> with ${max} sessions: ${bytes} bytes, ${(bytes / max).toFixed(1)} bytes per session`);
  });
});
