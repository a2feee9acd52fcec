// CONTRACT-groups §A: groupUpdateName, groupremark, groupnickname, groupAddUserSet, groupTransfer,
// groupDeleteOrQuit, groupDeleteUser, and the unstored notices they send (dismiss, quit, remove).
import { strict as assert } from 'node:assert';
import { app } from 'egg-mock/bootstrap';
import { assertFail, assertOk } from '../../helpers';
import {
  addMembers, circle, connect, createGroup, execute, G_KEYS, groupRow, listen, memberships, NOT_FOUND, NOTICE_KEYS, routes, sleep, user,
  VISITOR_FORBIDDEN,
  unstored, unstoredOf,
} from './support';

const TIME = '\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2}';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('groups: settings, leaving, removal', () => {
  const server = listen();
  const { post } = routes(server);

  /** owner + a + b in a group; c a friend of the owner outside it; an applicant d. */
  async function setup() {
    const [ owner, a, b, c ] = await circle([ 'owner01', 'member1', 'member2', 'outside1' ], [{ nickname: '老大' }]);
    const d = await user('applicant');
    const id = await createGroup(server, owner, [ a, b ]);
    await addMembers(id, [ d.id ], 2);
    return { owner, a, b, c, d, id };
  }

  describe('groupUpdateName / groupremark', () => {
    it('the owner sets them (trimmed); unchanged → 200; others → 403 with their own texts; 422 and 404 first', async () => {
      const { owner, a, id } = await setup();
      assert.equal(assertOk(await post('groupUpdateName', owner, { id, name: '  新群名  ' })), 'ok');
      assert.equal((await groupRow(id))!.name, '新群名');
      assertOk(await post('groupUpdateName', owner, { id, name: '新群名' }));
      assertOk(await post('groupremark', owner, { id: String(id), remark: ' 第一行\n第二行 ' }));
      assert.equal((await groupRow(id))!.remark, '第一行\n第二行');
      assertFail(await post('groupUpdateName', a, { id, name: 'x' }), 403, '只有群主才能修改群名称');
      assertFail(await post('groupremark', a, { id, remark: 'x' }), 403, '只有群主才能修改群公告');
      assertFail(await post('groupUpdateName', a, { id: id + 9, name: 'x' }), 404, NOT_FOUND);
      assertFail(await post('groupUpdateName', a, { id: id + 9, name: 'x'.repeat(21) }), 422, 'name 长度应为 1-20 位');
      assertFail(await post('groupUpdateName', owner, { id, name: '   ' }), 422, 'name 不能为空');
      assertFail(await post('groupUpdateName', owner, { id, name: null }), 422, 'name 不能为空');
      assertFail(await post('groupUpdateName', owner, { id, name: 5 }), 422, 'name 必须是字符串');
      assertFail(await post('groupUpdateName', owner, { id, name: 'a\nb' }), 422, 'name 不能包含控制字符');
      assertFail(await post('groupUpdateName', owner, { name: 'x' }), 422, 'id 不能为空');
      assertFail(await post('groupremark', owner, { id, remark: 'x'.repeat(501) }), 422, 'remark 长度应为 1-500 位');
      assertFail(await post('groupremark', owner, { id, remark: 'a\tb' }), 422, 'remark 不能包含控制字符');
      assertOk(await post('groupremark', owner, { id, remark: '字'.repeat(500) }));
      assertOk(await post('groupUpdateName', owner, { id, name: '字'.repeat(20) }));
    });

    it('are closed to visitors', async () => {
      const visitor = await user('visitor1', { username: 'visitor1', role: 'visitor' } as any);
      assertFail(await post('groupUpdateName', visitor, { id: 'x' }), 403, VISITOR_FORBIDDEN);
      assertFail(await post('groupremark', visitor, {}), 403, VISITOR_FORBIDDEN);
    });
  });

  describe('groupnickname', () => {
    it('a member sets the nickname in the group (trimmed); non-members and applicants → 403; visitors may', async () => {
      const { a, c, d, id } = await setup();
      assertOk(await post('groupnickname', a, { id, nickname: ' 阿一 ' }));
      const rows = await memberships(id);
      assert.equal(rows.find(row => row.user_id === a.id)!.nickname, '阿一');
      assertOk(await post('groupnickname', a, { id, nickname: '阿一' }));
      assertFail(await post('groupnickname', c, { id, nickname: 'x' }), 403, '你不在该群聊中，无法修改昵称');
      assertFail(await post('groupnickname', d, { id, nickname: 'x' }), 403, '你不在该群聊中，无法修改昵称');
      assertFail(await post('groupnickname', a, { id: id + 5, nickname: 'x' }), 404, NOT_FOUND);
      assertFail(await post('groupnickname', a, { id, nickname: 'x'.repeat(21) }), 422, 'nickname 长度应为 1-20 位');
      const visitor = await user('visitor1', { username: 'visitor1', role: 'visitor' } as any);
      await addMembers(id, [ visitor.id ]);
      assertOk(await post('groupnickname', visitor, { id, nickname: '游客' }));
    });
  });

  describe('groupAddUserSet', () => {
    it('the owner sets 0, 1 or 2; pending requests stay pending; texts per failure', async () => {
      const { owner, a, d, id } = await setup();
      for (const value of [ 2, '1', 0 ]) {
        assert.equal(assertOk(await post('groupAddUserSet', owner, { group_id: id, addGroupSet: value })), '设置成功');
        assert.equal((await groupRow(id))!.invite_confirm, Number(value));
      }
      assert.equal((await memberships(id)).find(row => row.user_id === d.id)!.status, 2);
      for (const value of [ 3, -1, '01', 'a', 1.5, true ]) {
        assertFail(await post('groupAddUserSet', owner, { group_id: id, addGroupSet: value }), 422, 'addGroupSet 只能是 0、1 或 2');
      }
      for (const value of [ '', null ]) assertFail(await post('groupAddUserSet', owner, { group_id: id, addGroupSet: value }), 422, 'addGroupSet 不能为空');
      assertFail(await post('groupAddUserSet', a, { group_id: id, addGroupSet: 1 }), 403, '只有群主才能操作');
      assertFail(await post('groupAddUserSet', a, { group_id: id + 1, addGroupSet: 1 }), 404, NOT_FOUND);
      const visitor = await user('visitor1', { username: 'visitor1', role: 'visitor' } as any);
      assertFail(await post('groupAddUserSet', visitor, {}), 403, VISITOR_FORBIDDEN);
    });
  });

  describe('groupTransfer', () => {
    it('hands the group to another member; 404 for non-members, applicants and gone members; 400 for oneself; 403 for non-owners', async () => {
      const { owner, a, b, c, d, id } = await setup();
      assertFail(await post('groupTransfer', owner, { id, user_id: c.id }), 404, '该用户不在群聊中');
      assertFail(await post('groupTransfer', owner, { id, user_id: d.id }), 404, '该用户不在群聊中');
      assertFail(await post('groupTransfer', owner, { id, user_id: owner.id }), 400, '不能转让给自己');
      assertFail(await post('groupTransfer', a, { id, user_id: b.id }), 403, '只有群主才能操作');
      assertFail(await post('groupTransfer', a, { id: id + 1, user_id: b.id }), 404, NOT_FOUND);
      assertFail(await post('groupTransfer', a, { id }), 422, 'user_id 不能为空');
      await execute('UPDATE `user` SET status = 0 WHERE id = :id', { id: b.id });
      assertFail(await post('groupTransfer', owner, { id, user_id: b.id }), 404, '该用户不在群聊中');
      assert.equal(assertOk(await post('groupTransfer', owner, { id, user_id: a.id })), 'ok');
      assert.equal((await groupRow(id))!.user_id, a.id);
      // The new owner acts as owner; the old one no longer does.
      assertFail(await post('groupTransfer', owner, { id, user_id: a.id }), 403, '只有群主才能操作');
      assertOk(await post('groupUpdateName', a, { id, name: '新主' }));
      const visitor = await user('visitor1', { username: 'visitor1', role: 'visitor' } as any);
      assertFail(await post('groupTransfer', visitor, {}), 403, VISITOR_FORBIDDEN);
    });
  });

  describe('groupDeleteOrQuit', () => {
    it('the owner dismisses: group, memberships and applications gone; every member told (owner included), nobody else', async () => {
      const { owner, a, b, c, d, id } = await setup();
      const sockets = await Promise.all([ owner, a, b, c, d ].map(u => connect(server.port, u.token)));
      const before = Date.now();
      assert.equal(assertOk(await post('groupDeleteOrQuit', owner, { id })), 'ok');
      assert.equal(await groupRow(id), undefined);
      assert.deepEqual(await memberships(id), []);
      const group = await Promise.all(sockets.slice(0, 3).map(s => unstored(s, 1)));
      await sleep(300);
      assert.deepEqual(sockets.map(s => unstoredOf(s).length), [ 1, 1, 1, 0, 0 ]);
      const frame = group[0][0];
      assert.deepEqual(Object.keys(frame), [ 'type', 'data', 'timestamp' ]);
      const m = frame.data;
      assert.deepEqual(Object.keys(m), NOTICE_KEYS);
      assert.deepEqual(Object.keys(m.group), G_KEYS);
      assert.match(m.id, UUID);
      assert.ok(m.create_time >= before && m.create_time <= Date.now());
      assert.match(m.data.data, new RegExp(`^群主于 ${TIME} 解散了该群$`));
      assert.deepEqual({ ...m, id: 0, create_time: 0, data: { ...m.data, data: '' }, group: m.group.id }, {
        id: 0, from_avatar: owner.row.avatar, from_name: '老大', from_id: owner.id, to_id: id, to_name: m.group.name, to_avatar: m.group.avatar,
        chatType: 'group', type: 'systemNotice', data: { data: '', dataType: false, otherData: null }, options: {}, create_time: 0, isremove: 0,
        group: id,
      });
      assert.deepEqual(group[1][0].data, m);
      for (const s of sockets) s.close();
      // Gone: every later call answers 404.
      assertFail(await post('groupDeleteOrQuit', a, { id }), 404, NOT_FOUND);
    });

    it('a member leaves: the owner alone is told (name in the group, time); the group avatar recomputed', async () => {
      const { owner, a, b, d, id } = await setup();
      await execute('UPDATE chat_group_user SET nickname = \'阿一\', avatar = \'mine.png\' WHERE user_id = :id', { id: a.id });
      const sockets = await Promise.all([ owner, a, b ].map(u => connect(server.port, u.token)));
      assertOk(await post('groupDeleteOrQuit', a, { id: String(id) }));
      assert.deepEqual((await memberships(id)).map(row => [ row.user_id, row.status ]), [[ owner.id, 1 ], [ b.id, 1 ], [ d.id, 2 ]]);
      const group = (await groupRow(id))!;
      assert.equal(group.avatar, [ owner.row.avatar, b.row.avatar ].join(','));
      const [ frame ] = await unstored(sockets[0], 1);
      await sleep(300);
      assert.deepEqual(sockets.map(s => unstoredOf(s).length), [ 1, 0, 0 ]);
      const m = frame.data;
      assert.deepEqual(Object.keys(m), NOTICE_KEYS);
      assert.match(m.data.data, new RegExp(`^阿一于 ${TIME} 已退出群聊$`));
      assert.deepEqual([ m.from_id, m.from_name, m.from_avatar, m.to_id, m.chatType, m.type, m.group.avatar ],
        [ a.id, '阿一', 'mine.png', id, 'group', 'systemNotice', group.avatar ]);
      for (const s of sockets) s.close();
    });

    it('an applicant withdraws silently; anyone else → 403; visitors may leave', async () => {
      const { owner, c, d, id } = await setup();
      const ownerSocket = await connect(server.port, owner.token);
      assertOk(await post('groupDeleteOrQuit', d, { id }));
      assert.equal((await memberships(id)).some(row => row.user_id === d.id), false);
      assertFail(await post('groupDeleteOrQuit', c, { id }), 403, '你不在该群聊中，操作失败');
      assertFail(await post('groupDeleteOrQuit', d, { id }), 403, '你不在该群聊中，操作失败');
      assertFail(await post('groupDeleteOrQuit', c, { id: 0 }), 422, 'id 应为 1-4294967295 之间的整数');
      const visitor = await user('visitor1', { username: 'visitor1', role: 'visitor' } as any);
      await addMembers(id, [ visitor.id ]);
      assertOk(await post('groupDeleteOrQuit', visitor, { id }));
      await unstored(ownerSocket, 1); // the visitor's quit
      await sleep(200);
      assert.equal(unstoredOf(ownerSocket).length, 1);
      ownerSocket.close();
    });
  });

  describe('groupDeleteUser', () => {
    it('the owner removes a member (told alone) or an applicant (no notice); texts per failure in the contract\'s order', async () => {
      const { owner, a, b, c, d, id } = await setup();
      const sockets = await Promise.all([ owner, a, b, d ].map(u => connect(server.port, u.token)));
      assertFail(await post('groupDeleteUser', owner, { group_id: id, user_id: c.id }), 404, '该用户不在群聊中');
      assertFail(await post('groupDeleteUser', a, { group_id: id, user_id: b.id }), 403, '只有群主才能操作');
      assertFail(await post('groupDeleteUser', owner, { group_id: id, user_id: owner.id }), 400, '群主不能删除自己');
      assertFail(await post('groupDeleteUser', owner, { group_id: id + 1, user_id: a.id }), 404, NOT_FOUND);
      assertFail(await post('groupDeleteUser', owner, { group_id: id }), 422, 'user_id 不能为空');
      assert.equal(assertOk(await post('groupDeleteUser', owner, { group_id: id, user_id: d.id })), '删除群成员成功');
      assert.equal(assertOk(await post('groupDeleteUser', owner, { group_id: id, user_id: a.id })), '删除群成员成功');
      assert.deepEqual((await memberships(id)).map(row => row.user_id), [ owner.id, b.id ]);
      assert.equal((await groupRow(id))!.avatar, [ owner.row.avatar, b.row.avatar ].join(','));
      const [ frame ] = await unstored(sockets[1], 1);
      await sleep(300);
      assert.deepEqual(sockets.map(s => unstoredOf(s).length), [ 0, 1, 0, 0 ]);
      const m = frame.data;
      assert.deepEqual(Object.keys(m), NOTICE_KEYS);
      assert.deepEqual([ m.from_id, m.from_name, m.data.data, m.to_id, m.group.avatar ],
        [ owner.id, '老大', '你已被群主移出群聊', id, (await groupRow(id))!.avatar ]);
      for (const s of sockets) s.close();
      const visitor = await user('visitor1', { username: 'visitor1', role: 'visitor' } as any);
      assertFail(await post('groupDeleteUser', visitor, {}), 403, VISITOR_FORBIDDEN);
      assert.ok(app);
    });
  });
});
