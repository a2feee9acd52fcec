import { strict as assert } from 'node:assert';
import { app } from 'egg-mock/bootstrap';
import { AUTH_FAILURES, assertFail, assertOk } from '../../helpers';
import { befriend, call, listen, sendText, user } from './support';

describe('GET /api/chat/history/:user_id', () => {
  const server = listen();
  const history = (token: string, path: string) => call(server.base, 'GET', `/api/chat/history/${path}`, token);

  it('pages a conversation newest first by seq: ?before= and ?limit= (default 30)', async () => {
    const a = await user('sender01');
    const b = await user('receiver1');
    await befriend(a.id, b.id);
    const sent = [];
    for (let i = 1; i <= 35; i++) sent.push(await sendText(server.base, i % 2 ? a.token : b.token, i % 2 ? b.id : a.id, `h${i}`));
    const page1 = assertOk(await history(a.token, String(b.id)));
    assert.deepEqual(page1, sent.slice(5).reverse());
    const page2 = assertOk(await history(b.token, `${a.id}?before=${page1.at(-1).seq}&limit=100`));
    assert.deepEqual(page2, sent.slice(0, 5).reverse());
    assert.deepEqual(assertOk(await history(a.token, `${b.id}?before=1`)), []);
    assert.deepEqual(assertOk(await history(a.token, `${b.id}?limit=2&before=`)), sent.slice(33).reverse());
  });

  it('keeps revoked messages in place with isremove 1 and the revoke text', async () => {
    const a = await user('sender01');
    const b = await user('receiver1');
    await befriend(a.id, b.id);
    const m1 = await sendText(server.base, a.token, b.id, 'keep');
    const m2 = await sendText(server.base, a.token, b.id, 'erase');
    assertOk(await call(server.base, 'POST', '/api/chat/revokeMessage', a.token, { id: m2.id, chatType: 'single', to_id: b.id }));
    const [ revoked, kept ] = assertOk(await history(b.token, String(a.id)));
    assert.deepEqual(kept, m1);
    assert.deepEqual(revoked, { ...m2, isremove: 1, data: '{"data":"sender01撤回了一条消息","dataType":false,"otherData":null}', options: {} });
  });

  it('[] without a conversation; visitors read their own', async () => {
    const v = await user('VISvisit01', { username: 'VISvisit01', role: 'visitor' });
    const b = await user('receiver1');
    assert.deepEqual(assertOk(await history(v.token, String(b.id))), []);
    await sendText(server.base, v.token, b.id, 'hi');
    assert.equal(assertOk(await history(v.token, String(b.id))).length, 1);
    assert.equal(await app.model.Message.count(), 1);
  });

  it('422 for itself, a malformed user_id, before or limit', async () => {
    const a = await user('sender01');
    assertFail(await history(a.token, String(a.id)), 422, '不能给自己发消息');
    assertFail(await history(a.token, 'abc'), 422, 'user_id 应为 1-4294967295 之间的整数');
    assertFail(await history(a.token, '0'), 422, 'user_id 应为 1-4294967295 之间的整数');
    assertFail(await history(a.token, '2?limit=0'), 422, 'limit 应为 1-100 之间的整数');
    assertFail(await history(a.token, '2?limit=101'), 422, 'limit 应为 1-100 之间的整数');
    assertFail(await history(a.token, '2?before=-1'), 422, 'before 应为 1-4294967295 之间的整数');
    assertFail(await history(a.token, '2?before=x'), 422, 'before 应为 1-4294967295 之间的整数');
  });

  for (const failure of AUTH_FAILURES.slice(0, 3)) {
    it(`${failure.status} for ${failure.title}`, async () => {
      const a = await user('sender01');
      const headers = await failure.prepare({ id: a.id, token: a.token });
      const res = await fetch(`${server.base}/api/chat/history/5`, { headers });
      assertFail({ status: res.status, headers: Object.fromEntries(res.headers), body: await res.json() }, failure.status, failure.reason);
    });
  }
});
