// CONTRACT-admin §4 group actions (ban, unban, dismiss, transfer) over HTTP, through the groups
// domain's use cases (CONTRACT-groups: status ≠ 1 → 404 everywhere, the dismissal and transfer
// notices): roles, CSRF, post/redirect/get with a one-time notice, one audit entry per action
// written in the change's transaction, the notices reaching members over a real WebSocket.
import { strict as assert } from 'node:assert';
import { app, mock } from 'egg-mock/bootstrap';
import { assertFail, assertOk } from '../../helpers';
import { groupHistory, sendGroup } from '../groups/messageSupport';
import {
  addMembers, circle, connect, createGroup, G_KEYS, groupRow, listen, memberships, NOT_FOUND, NOTICE_KEYS, routes, sleep, stored, storedOf,
  unstored, unstoredOf, user,
} from '../groups/support';
import { auditRows, createAdmin, loginAs } from './support';

const TIME = '\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2}';
const SEND_NOT_FOUND = '群不存在或者已解散或者被封禁，无法发消息';

describe('operator console: group actions (CONTRACT-admin §4)', () => {
  const server = listen();
  const { post, get } = routes(server);
  afterEach(() => mock.restore());

  /** owner + a + b in a group (the owner's nickname 老大, b's 小b); an applicant c; d a friend of the owner outside it. */
  async function setup() {
    const [ owner, a, b, d ] = await circle([ 'owner01', 'member1', 'member2', 'outside1' ], [{ nickname: '老大' }, {}, { nickname: '小b' }]);
    const c = await user('applicant');
    const id = await createGroup(server, owner, [ a, b ]);
    await addMembers(id, [ c.id ], 2);
    return { owner, a, b, c, d, id };
  }

  it('a viewer sees the group without action buttons; posting anyway answers 403, nothing changed, an audit entry per attempt', async () => {
    const { id: adminId } = await createAdmin('look1', 'viewer');
    const { owner, a, id } = await setup();
    const viewer = await loginAs('look1');
    const page = await viewer.get(`/admin/groups/${id}`);
    assert.equal(page.status, 200);
    assert.doesNotMatch(page.text, /action="\/admin\/groups\/\d+\/(ban|unban|dismiss|transfer)"/);
    for (const action of [ 'ban', 'unban', 'dismiss', 'transfer' ]) {
      const res = await viewer.post(`/admin/groups/${id}/${action}`, { user_id: String(a.id) });
      assert.equal(res.status, 403, action);
      const [ entry ] = await auditRows(`group.${action}`);
      assert.deepEqual([ entry.admin_id, entry.target_type, Number(entry.target_id), JSON.parse(entry.detail!) ], [ adminId, 'group', id, { refused: 403 }], action);
    }
    const row = (await groupRow(id))!;
    assert.deepEqual([ row.status, row.user_id ], [ 1, owner.id ]);
    assert.equal((await memberships(id)).length, 4);
  });

  it('an operator sees the buttons; a POST without the session\'s CSRF token answers 403, nothing changed, the refusal audited', async () => {
    const { id: adminId } = await createAdmin('oper1', 'operator');
    const { id } = await setup();
    const operator = await loginAs('oper1');
    const page = await operator.get(`/admin/groups/${id}`);
    for (const action of [ 'ban', 'dismiss', 'transfer' ]) assert.match(page.text, new RegExp(`action="/admin/groups/${id}/${action}"`), action);
    assert.doesNotMatch(page.text, /\/unban"/, 'a live group offers ban, not unban');
    for (const action of [ 'ban', 'dismiss' ]) {
      assert.equal((await operator.post(`/admin/groups/${id}/${action}`, {}, null)).status, 403, action);
      assert.equal((await operator.post(`/admin/groups/${id}/${action}`, {}, 'not-the-token')).status, 403, action);
      const entries = await auditRows(`group.${action}`);
      assert.equal(entries.length, 2);
      assert.deepEqual([ entries[0].admin_id, Number(entries[0].target_id), JSON.parse(entries[0].detail!) ], [ adminId, id, { refused: 'csrf' }]);
    }
    assert.equal((await groupRow(id))!.status, 1);
  });

  it('ban → 303 with a one-time notice, status 2, every group route and group message answer 404; unban → 200 again; each audited once', async () => {
    const { id: adminId } = await createAdmin('oper1', 'operator');
    const { owner, a, b, c, id } = await setup();
    const operator = await loginAs('oper1');
    assertOk(await sendGroup(server.base, a.token, id, 'before the ban'));

    const res = await operator.post(`/admin/groups/${id}/ban`);
    assert.equal(res.status, 303);
    assert.equal(res.headers.location, `/admin/groups/${id}`);
    const page = await operator.get(res.headers.location);
    assert.ok(page.text.includes('群已封禁'), 'the notice');
    assert.match(page.text, /id="group-status">已封禁</);
    assert.match(page.text, new RegExp(`action="/admin/groups/${id}/unban"`));
    assert.ok(!(await operator.get(res.headers.location)).text.includes('群已封禁，'), 'the notice shows once');
    assert.equal((await groupRow(id))!.status, 2);
    const [ entry ] = await auditRows('group.ban');
    assert.deepEqual([ entry.admin_id, entry.target_type, Number(entry.target_id), JSON.parse(entry.detail!) ], [ adminId, 'group', id, { name: (await groupRow(id))!.name }]);

    // CONTRACT-groups §0: group status ≠ 1 → 404 群不存在或被封禁 on every route; §B: sendmessage's own text.
    for (const [ path, who, body ] of <Array<[ string, typeof owner, Record<string, unknown> ]>>[
      [ 'groupUpdateName', owner, { id, name: 'x' }],
      [ 'groupremark', owner, { id, remark: 'x' }],
      [ 'groupnickname', a, { id, nickname: 'x' }],
      [ 'groupDeleteOrQuit', a, { id }],
      [ 'groupDeleteOrQuit', owner, { id }],
      [ 'groupDeleteUser', owner, { group_id: id, user_id: b.id }],
      [ 'groupInviteUser', c, { group_id: id, user_id: c.id }],
      [ 'groupAddUserSet', owner, { group_id: id, addGroupSet: 1 }],
      [ 'groupAgreeOrNo', owner, { group_id: id, user_id: c.id, type: 'agree' }],
      [ 'groupTransfer', owner, { id, user_id: a.id }],
    ]) assertFail(await post(path, who, body), 404, NOT_FOUND);
    assertFail(await get(`groupinfo/${id}`, a), 404, NOT_FOUND);
    assertFail(await get(`groupQrcode/${id}`, a), 404, NOT_FOUND);
    assertFail(await groupHistory(server.base, a.token, id), 404, NOT_FOUND);
    assertFail(await sendGroup(server.base, a.token, id, 'during the ban'), 404, SEND_NOT_FOUND);
    assert.ok(!assertOk(await get('grouplist/1', a)).some((g: any) => g.id === id), 'grouplist omits a banned group');
    assert.equal((await memberships(id)).length, 4, 'nothing changed');

    const unban = await operator.post(`/admin/groups/${id}/unban`);
    assert.equal(unban.status, 303);
    assert.ok((await operator.get(unban.headers.location)).text.includes('群已解封'));
    assert.equal((await groupRow(id))!.status, 1);
    assert.equal(assertOk(await get(`groupinfo/${id}`, a)).id, id);
    assertOk(await sendGroup(server.base, a.token, id, 'after the unban'));
    assert.ok(assertOk(await get('grouplist/1', a)).some((g: any) => g.id === id));
    assert.equal((await auditRows('group.ban')).length, 1);
    assert.equal((await auditRows('group.unban')).length, 1);
    // A missing group: 404 page, no entry.
    assert.equal((await operator.post(`/admin/groups/${id + 100}/ban`)).status, 404);
    assert.equal((await auditRows('group.ban')).length, 1);
  });

  it('dismiss → the owner\'s dismissal: group, memberships and applications gone; every member told over WebSocket; 303 to the list; audited', async () => {
    const { id: adminId } = await createAdmin('oper1', 'operator');
    const { owner, a, b, c, d, id } = await setup();
    const name = (await groupRow(id))!.name;
    const sockets = await Promise.all([ owner, a, b, c, d ].map(u => connect(server.port, u.token)));
    const operator = await loginAs('oper1');
    const before = Date.now();
    const res = await operator.post(`/admin/groups/${id}/dismiss`);
    assert.equal(res.status, 303);
    assert.equal(res.headers.location, '/admin/groups');
    assert.ok((await operator.get('/admin/groups')).text.includes('群已解散'));
    assert.equal(await groupRow(id), undefined);
    assert.deepEqual(await memberships(id), []);
    const frames = await Promise.all(sockets.slice(0, 3).map(s => unstored(s, 1)));
    await sleep(300);
    assert.deepEqual(sockets.map(s => unstoredOf(s).length), [ 1, 1, 1, 0, 0 ], 'the members, not the applicant or outsiders');
    const m = frames[1][0].data;
    assert.deepEqual(Object.keys(m), NOTICE_KEYS);
    assert.deepEqual(Object.keys(m.group), G_KEYS);
    assert.match(m.data.data, new RegExp(`^群主于 ${TIME} 解散了该群$`));
    assert.ok(m.create_time >= before);
    assert.deepEqual([ m.from_id, m.from_name, m.to_id, m.chatType, m.type ], [ owner.id, '老大', id, 'group', 'systemNotice' ]);
    assert.deepEqual(frames[0][0].data, m);
    const [ entry ] = await auditRows('group.dismiss');
    assert.deepEqual([ entry.admin_id, entry.target_type, Number(entry.target_id), JSON.parse(entry.detail!) ], [ adminId, 'group', id, { name, owner: owner.id }]);
    // The group is gone for the API too.
    assertFail(await get(`groupinfo/${id}`, a), 404, NOT_FOUND);
    assert.equal((await operator.post(`/admin/groups/${id}/dismiss`)).status, 404);
    assert.equal((await auditRows('group.dismiss')).length, 1);
    for (const s of sockets) s.close();
  });

  it('transfers and dismisses a banned group too (operators act on any status; the ban stays)', async () => {
    await createAdmin('oper1', 'operator');
    const { a, b, id } = await setup();
    const socket = await connect(server.port, a.token);
    const operator = await loginAs('oper1');
    assert.equal((await operator.post(`/admin/groups/${id}/ban`)).status, 303);
    assert.equal((await operator.post(`/admin/groups/${id}/transfer`, { user_id: String(b.id) })).status, 303);
    const row = (await groupRow(id))!;
    assert.deepEqual([ row.status, row.user_id ], [ 2, b.id ]);
    assert.equal((await stored(socket, 2))[1].data.data.data, '群主已转让给 [小b]');
    assert.equal((await operator.post(`/admin/groups/${id}/dismiss`)).status, 303);
    assert.equal(await groupRow(id), undefined);
    assert.match((await unstored(socket, 1))[0].data.data.data, /解散了该群$/);
    socket.close();
  });

  it('transfer → the owner\'s transfer: new owner, the stored notice from the old owner to the members over WebSocket; audited; the API follows', async () => {
    const { id: adminId } = await createAdmin('oper1', 'operator');
    const { owner, a, b, c, d, id } = await setup();
    const sockets = await Promise.all([ owner, a, b, c, d ].map(u => connect(server.port, u.token)));
    await Promise.all(sockets.slice(0, 3).map(s => stored(s, 1))); // the create notice reached the members on connect
    const operator = await loginAs('oper1');
    const res = await operator.post(`/admin/groups/${id}/transfer`, { user_id: String(b.id) });
    assert.equal(res.status, 303);
    assert.equal(res.headers.location, `/admin/groups/${id}`);
    assert.ok((await operator.get(res.headers.location)).text.includes('群主已转让'));
    assert.equal((await groupRow(id))!.user_id, b.id);
    const frames = await Promise.all(sockets.slice(0, 3).map(s => stored(s, 2)));
    await sleep(300);
    assert.deepEqual(sockets.map(s => storedOf(s).length), [ 2, 2, 2, 0, 0 ]);
    const m = frames[0][1].data;
    assert.deepEqual(Object.keys(m), [ ...NOTICE_KEYS, 'seq' ]);
    assert.deepEqual([ m.data.data, m.from_id, m.from_name, m.group.user_id, m.seq, m.chatType, m.type ],
      [ '群主已转让给 [小b]', owner.id, '老大', b.id, 2, 'group', 'systemNotice' ]);
    const [ entry ] = await auditRows('group.transfer');
    assert.deepEqual([ entry.admin_id, entry.target_type, Number(entry.target_id), JSON.parse(entry.detail!) ], [ adminId, 'group', id, { from: owner.id, to: b.id }]);
    // The API's owner rules follow the new owner.
    assertFail(await post('groupUpdateName', owner, { id, name: 'old owner' }), 403, '只有群主才能修改群名称');
    assertOk(await post('groupUpdateName', b, { id, name: 'new owner' }));
    for (const s of sockets) s.close();
  });

  it('transfer refusals re-render the page with the error beside the field: 422 bad user_id, 404 not a member (applicant, outsider), 400 the owner; no entry', async () => {
    await createAdmin('oper1', 'operator');
    const { owner, c, d, id } = await setup();
    const operator = await loginAs('oper1');
    for (const [ value, status, text ] of <Array<[ string | undefined, number, string ]>>[
      [ undefined, 422, 'user_id 不能为空' ],
      [ 'abc', 422, 'user_id 应为 1-4294967295 之间的整数' ],
      [ '0', 422, 'user_id 应为 1-4294967295 之间的整数' ],
      [ String(c.id), 404, '该用户不在群聊中' ],
      [ String(d.id), 404, '该用户不在群聊中' ],
      [ '999999', 404, '该用户不在群聊中' ],
      [ String(owner.id), 400, '不能转让给自己' ],
    ]) {
      const res = await operator.post(`/admin/groups/${id}/transfer`, value === undefined ? {} : { user_id: value });
      assert.equal(res.status, status, String(value));
      assert.match(res.text, new RegExp(`<p class="error" id="err-user_id">${text}</p>`), String(value));
      assert.match(res.text, /aria-invalid="true"/);
    }
    assert.equal((await groupRow(id))!.user_id, owner.id);
    assert.deepEqual(await auditRows('group.transfer'), []);
    assert.equal((await operator.post(`/admin/groups/${id + 100}/transfer`, { user_id: String(owner.id) })).status, 404);
  });

  it('the audit entry is written in the change\'s transaction: when it fails, the change is rolled back', async () => {
    await createAdmin('oper1', 'operator');
    const { owner, b, id } = await setup();
    const operator = await loginAs('oper1');
    app.mockService('admin.audit', 'record', async () => { throw new Error('audit store down'); });
    assert.equal((await operator.post(`/admin/groups/${id}/ban`)).status, 500);
    assert.equal((await operator.post(`/admin/groups/${id}/transfer`, { user_id: String(b.id) })).status, 500);
    assert.equal((await operator.post(`/admin/groups/${id}/dismiss`)).status, 500);
    const row = (await groupRow(id))!;
    assert.deepEqual([ row.status, row.user_id ], [ 1, owner.id ]);
    assert.equal((await memberships(id)).length, 4);
  });
});
