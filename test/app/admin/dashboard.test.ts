// CONTRACT-admin §4: the dashboard's live figures across processes, the user page's sessions,
// the disable event on this process's sockets, and the read-only group pages.
import { strict as assert } from 'node:assert';
import { app } from 'egg-mock/bootstrap';
import { onlineUsersKey, processReportsKey } from '../../../app/lib/admin/keys';
import { connect, friends, listen, sendText } from '../messaging/support';
import { createAdmin, loginAs, refreshFigures } from './support';

const figure = (html: string, id: string) => Number(new RegExp(`id="${id}">(\\d+)<`).exec(html)![1]);

describe('console dashboard and pages (CONTRACT-admin §4)', () => {
  const server = listen();

  it('counts online users once across processes, open sockets of every fresh process report, and messages stored', async () => {
    await createAdmin('root1');
    const { a, b } = await friends();
    const socket = await connect(server.port, b.token);
    await sendText(server.base, a.token, b.id, 'hello');
    // Another process's report: user b (also here) and one user only there, with 3 sockets.
    await app.redis.pfadd(onlineUsersKey('other-host:1'), String(b.id), '999');
    await app.redis.hset(processReportsKey(), 'other-host:1', `3 ${Date.now()}`, 'gone-host:1', `50 ${Date.now() - 60_000}`);
    const agent = await loginAs('root1');
    await app.presence!.report(); // this process's report now, with the socket just opened
    await refreshFigures();
    const page = (await agent.get('/admin')).text;
    assert.equal(figure(page, 'fig-online'), 2);
    assert.equal(figure(page, 'fig-sockets'), 4);
    assert.equal(figure(page, 'fig-messages-hour'), 1);
    assert.equal(figure(page, 'fig-messages-today'), 1);
    assert.equal(figure(page, 'fig-users'), 2);
    assert.equal(await app.redis.hexists(processReportsKey(), 'gone-host:1'), 0, 'a stale report is dropped');

    const userPage = (await agent.get(`/admin/users/${b.id}`)).text;
    assert.match(userPage, /<td>是<\/td><\/tr>/, 'the session with a socket shows online');
    const list = (await agent.get(`/admin/users?q=${b.username}`)).text;
    assert.ok(list.includes(b.username));
    socket.close();
  });

  it('disabling closes the user\'s socket with the disabled frame and 4003 within 2 s', async () => {
    await createAdmin('root1');
    const { b } = await friends();
    const socket = await connect(server.port, b.token);
    const agent = await loginAs('root1');
    const started = Date.now();
    assert.equal((await agent.post(`/admin/users/${b.id}/disable`)).status, 303);
    assert.deepEqual(await socket.closedWithin(2000), { code: 4003, clean: true });
    assert.ok(Date.now() - started < 2000);
    assert.deepEqual(socket.frames.at(-1), { msg: 'fail', data: '当前用户不存在或者已被禁用' });
  });

  it('deleting closes the user\'s socket with 4001 within 2 s', async () => {
    await createAdmin('root1');
    const { b } = await friends();
    const socket = await connect(server.port, b.token);
    const agent = await loginAs('root1');
    assert.equal((await agent.post(`/admin/users/${b.id}/delete`)).status, 303);
    assert.equal((await socket.closedWithin(2000)).code, 4001);
  });

  it('lists groups with owner and member count, and a group\'s members (read-only)', async () => {
    await createAdmin('look1', 'viewer');
    const { a, b } = await friends();
    await app.model.query('INSERT INTO chat_group (uuid, user_id, name, avatar, invite_confirm, status, `order`, create_time, update_time) ' +
      "VALUES (UUID(), :owner, 'Rock climbers', '', 0, 1, 50, NOW(3), NOW(3))", { replacements: { owner: a.id } });
    const [[ group ]] = await app.model.query('SELECT id FROM chat_group') as any;
    await app.model.query('INSERT INTO chat_group_user (group_id, user_id, nickname, avatar, status, `order`, join_seq, create_time, update_time) ' +
      "VALUES (:g, :a, '', '', 1, 50, 0, NOW(3), NOW(3)), (:g, :b, 'bee', '', 1, 50, 0, NOW(3), NOW(3))", { replacements: { g: group.id, a: a.id, b: b.id } });
    const agent = await loginAs('look1');
    const list = (await agent.get('/admin/groups?q=climb')).text;
    assert.match(list, /Rock climbers<\/a><\/td>\s*<td><a href="\/admin\/users\/\d+">sender01<\/a><\/td><td>2<\/td>/);
    assert.ok(!(await agent.get('/admin/groups?q=sailors')).text.includes('Rock climbers'));
    const page = await agent.get(`/admin/groups/${group.id}`);
    assert.equal(page.status, 200);
    assert.ok(page.text.includes('receiver1') && page.text.includes('bee'));
    assert.equal((await agent.get('/admin/groups/999999')).status, 404);
  });
});
