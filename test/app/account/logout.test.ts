import { strict as assert } from 'node:assert';
import {
  AUTH_FAILURES, assertFail, forgeToken, assertOk, login, logout, post, register, search, sessionIds, tokenPayload,
} from '../../helpers';

describe('POST /api/chat/logout', () => {
  it('answers true and revokes that session at once, everywhere', async () => {
    const { id, token } = await register('my01');
    const res = await logout(token);
    assert.deepEqual(assertOk(res), true);
    assert.deepEqual(res.body, { msg: 'ok', data: true });
    assert.deepEqual(await sessionIds(id), []);
    assertFail(await logout(token), 401, 'Token 令牌不合法！');
    assertFail(await search(token, { keyword: 'zzz' }), 401, 'Token 令牌不合法！');
  });

  it('leaves the user\'s other sessions valid (multi-device)', async () => {
    const registered = await register('my01');
    const phone = await login('my01');
    const desktop = await login('my01');
    assertOk(await search(phone.token, { keyword: 'zzz' }));
    assertOk(await search(desktop.token, { keyword: 'zzz' }));

    assertOk(await logout(phone.token));
    assertFail(await search(phone.token, { keyword: 'zzz' }), 401, 'Token 令牌不合法！');
    assertFail(await logout(phone.token), 401, 'Token 令牌不合法！');
    assertOk(await search(desktop.token, { keyword: 'zzz' }));
    assertOk(await search(registered.token, { keyword: 'zzz' }));
    assert.deepEqual((await sessionIds(registered.id)).sort(),
      [ registered, desktop ].map(user => tokenPayload(user.token).sid).sort());

    // Logging in again after a logout opens a fresh session.
    const again = await login('my01');
    assertOk(await logout(again.token));
    assertOk(await search(desktop.token, { keyword: 'zzz' }));
  });

  it('does not touch another user\'s sessions', async () => {
    const alice = await register('alice');
    const bob = await register('bob_1');
    assertOk(await logout(alice.token));
    assertOk(await search(bob.token, { keyword: 'zzz' }));
  });

  it('accepts Authorization: Bearer', async () => {
    const { id, token } = await register('my01');
    assertOk(await post('/api/chat/logout').set('Authorization', `Bearer ${token}`));
    assert.deepEqual(await sessionIds(id), []);
  });

  it('revokes nothing when the token is refused', async () => {
    const { id, token } = await register('my01');
    const sid = String(tokenPayload(token).sid);
    const forged = forgeToken({ alg: 'none', typ: 'JWT' }, tokenPayload(token));
    assertFail(await logout(forged), 401, 'Token 令牌不合法！');
    assert.deepEqual(await sessionIds(id), [ sid ]);
  });

  it('ignores a body', async () => {
    const { token } = await register('my01');
    assertOk(await logout(token).send({ keyword: 'x', sid: 'other' }));
  });

  describe('authentication', () => {
    for (const failure of AUTH_FAILURES) {
      it(`${failure.status} for ${failure.title}`, async () => {
        const user = await register('caller01');
        const headers = await failure.prepare(user);
        assertFail(await post('/api/chat/logout').set(headers), failure.status, failure.reason);
      });
    }
  });
});
