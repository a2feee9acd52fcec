// CONTRACT-admin §4: the dashboard's live figures across processes, the user page's sessions,
// the disable event on this process's sockets, the user totals without deleted accounts, and the
// group pages.
import { strict as assert } from 'node:assert';
import { app, mock } from 'egg-mock/bootstrap';
import { onlineUsersKey, processReportsKey } from '../../../app/lib/admin/keys';
import { insertUser, logout, PASSWORD, post, register, tokenPayload } from '../../helpers';
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

  it('the user page shows each session\'s device (its login\'s User-Agent) and IP; a session logged out is gone with them', async () => {
    await createAdmin('root1');
    const user = await register('devices_user');
    const phone = 'Mozilla/5.0 (iPhone) uni-app <b>x</b>';
    const res = await post('/api/loginChat').set('User-Agent', phone).type('form').send({ username: 'devices_user', password: PASSWORD });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const infoKey = `${app.config.im.session.infoKeyPrefix}${user.id}`;
    const sid = String(tokenPayload(res.body.data.token).sid);
    assert.deepEqual(JSON.parse((await app.redis.hget(infoKey, sid))!), { device: phone, ip: '127.0.0.1' });
    const agent = await loginAs('root1');
    const page = (await agent.get(`/admin/users/${user.id}`)).text;
    assert.ok(page.includes('<td class="device">Mozilla/5.0 (iPhone) uni-app &lt;b&gt;x&lt;/b&gt;</td><td>127.0.0.1</td>'), 'device and IP, escaped');
    assert.equal((page.match(/<td class="device">/g) ?? []).length, 2, 'both sessions listed');

    assert.equal((await logout(res.body.data.token)).status, 200);
    assert.equal(await app.redis.hexists(infoKey, sid), 0, 'logout removes the session\'s device');
    const after = (await agent.get(`/admin/users/${user.id}`)).text;
    assert.ok(!after.includes('iPhone'));
    assert.equal((after.match(/<td class="device">/g) ?? []).length, 1);
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

  for (const action of [ 'logout', 'password' ] as const) {
    it(`${action === 'logout' ? 'ending the user\'s sessions' : 'a new password'} sends the fail frame on the user's socket, then closes it with 4001 within 2 s`, async () => {
      // No periodic check: only the console's event can close the socket.
      mock(app.config.im.messaging, 'heartbeatMs', 600000);
      await createAdmin('root1');
      const { b } = await friends();
      const socket = await connect(server.port, b.token);
      const agent = await loginAs('root1');
      assert.equal((await agent.post(`/admin/users/${b.id}/${action}`, action === 'password' ? { password: 'newpass99' } : {})).status, 303);
      assert.deepEqual(await socket.closedWithin(2000), { code: 4001, clean: true });
      assert.deepEqual(socket.frames.at(-1), { msg: 'fail', data: 'Token 令牌不合法！' });
    });
  }

  it('the charts: 60 per-minute and 30 per-day buckets in the page\'s chart data, the last counting a message and a registration just made', async () => {
    await createAdmin('root1');
    const minuteBefore = Math.floor(Date.now() / 60_000);
    const { a, b } = await friends(); // two registrations
    await sendText(server.base, a.token, b.id, 'count me');
    await app.presence!.report(); // this process's counters now
    await refreshFigures();
    const agent = await loginAs('root1');
    const page = (await agent.get('/admin')).text;
    const minuteAfter = Math.floor(Date.now() / 60_000);
    const attr = /id="chart-minutes"[^>]*data-chart="([^"]*)"/.exec(page)![1];
    const chart = JSON.parse(attr.replace(/&quot;/g, '"').replace(/&#39;/g, '\'').replace(/&amp;/g, '&'));
    for (const series of [ 'messagesPerMinute', 'registrationsPerMinute' ]) assert.equal(chart[series].length, 60, series);
    for (const series of [ 'messagesPerDay', 'registrationsPerDay' ]) assert.equal(chart[series].length, 30, series);
    assert.equal(chart.minutes.length, 60);
    assert.equal(chart.days.length, 30);
    // The last bucket is the current minute; if the minute turned during the test, the events sit in one of the last two.
    const lastMinutes = (series: number[]) => (minuteBefore === minuteAfter ? series.at(-1) : series.at(-1)! + series.at(-2)!);
    assert.equal(lastMinutes(chart.messagesPerMinute), 1);
    assert.equal(lastMinutes(chart.registrationsPerMinute), 2);
    assert.equal(chart.messagesPerMinute.reduce((x: number, y: number) => x + y, 0), 1);
    assert.equal(chart.registrationsPerMinute.reduce((x: number, y: number) => x + y, 0), 2);
    // Today is the last day (the registrations are counted from the table, the messages from today's counter).
    assert.equal(chart.messagesPerDay.at(-1), 1);
    assert.equal(chart.registrationsPerDay.at(-1), 2);
    assert.equal(chart.messagesPerDay.slice(0, 29).reduce((x: number, y: number) => x + y, 0), 0);
  });

  it('user totals count accounts that are not deleted (real users and visitors), from the index alone', async () => {
    await createAdmin('root1');
    await insertUser({ username: 'alive_one' });
    await insertUser({ username: 'alive_two', status: 0 }); // disabled, not deleted: still an account
    await insertUser({ username: 'deleted_one', is_deleted: 1 });
    await insertUser({ username: 'visitor_ok', role: 'visitor' });
    await insertUser({ username: 'visitor_del', role: 'visitor', is_deleted: 1 });
    const agent = await loginAs('root1');
    await refreshFigures();
    const page = (await agent.get('/admin')).text;
    assert.equal(figure(page, 'fig-users'), 2);
    assert.equal(figure(page, 'fig-visitors'), 1);
    assert.equal(figure(page, 'fig-registrations'), 5, 'registrations are events: deleted accounts registered too');
    // The plan reads idx_user_deleted_role only (no row lookups), so it stays cheap at 1M users.
    const [ plan ] = await app.model.query('EXPLAIN SELECT role, COUNT(*) AS n FROM `user` FORCE INDEX (idx_user_deleted_role) WHERE is_deleted = 0 GROUP BY role',
      { type: 'SELECT' as any }) as any[];
    assert.equal(plan.key, 'idx_user_deleted_role');
    assert.match(plan.Extra, /Using index/);
    assert.doesNotMatch(plan.Extra, /filesort|temporary/);
  });

  it('lists groups with owner and member count, and a group\'s members', async () => {
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
