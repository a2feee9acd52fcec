// CONTRACT-groups §A invite / join (the table cell by cell), agreeOrNo, and the pending notice.
import { strict as assert } from 'node:assert';
import { app, mm } from 'egg-mock/bootstrap';
import { assertFail, assertOk } from '../../helpers';
import {
  befriend, circle, connect, createGroup, DEFAULT_NOTICE_AVATAR, execute, G_KEYS, groupRow, listen, memberships, NOT_FOUND,
  PENDING_KEYS, routes, setInviteConfirm, sleep, user, User, VISITOR_FORBIDDEN,
  unstored, unstoredOf,
} from './support';

const JOINED = '加群成功';
const PENDING = '等待群主同意';

describe('groups: invite, join, approval', () => {
  const server = listen();
  const { post } = routes(server);

  /** owner + member m in a group of mode `mode`; f a friend of both outside it; u a user, v a visitor. */
  async function setup(mode = 0) {
    const [ owner, m, f ] = await circle([ 'owner01', 'member1', 'friend01' ], [{ nickname: '老大' }, { nickname: '小明' }]);
    await befriend(m.id, f.id);
    const u = await user('selfjoin');
    const v = await user('visitor1', { username: 'visitor1', role: 'visitor' } as any);
    const id = await createGroup(server, owner, [ m ]);
    await setInviteConfirm(id, mode);
    return { owner, m, f, u, v, id };
  }

  const invite = (by: User, groupId: number, userId: number, extra: Record<string, unknown> = {}) =>
    post('groupInviteUser', by, { group_id: groupId, user_id: userId, inviteuser_id: userId === by.id ? -1 : by.id, ...extra });
  const statusOf = async (groupId: number, userId: number) => (await memberships(groupId)).find(row => row.user_id === userId)?.status;

  describe('the invite/join table', () => {
    const cells: Array<[ number, string, string ]> = [
      [ 0, 'owner', JOINED ], [ 0, 'member', JOINED ], [ 0, 'self', JOINED ], [ 0, 'visitor', JOINED ],
      [ 1, 'owner', JOINED ], [ 1, 'member', PENDING ], [ 1, 'self', PENDING ], [ 1, 'visitor', PENDING ],
      [ 2, 'owner', JOINED ], [ 2, 'member', PENDING ], [ 2, 'self', PENDING ], [ 2, 'visitor', '403' ],
    ];
    for (const [ mode, who, outcome ] of cells) {
      it(`invite_confirm ${mode}, ${who === 'self' ? 'a user self-joins' : who === 'visitor' ? 'a visitor self-joins' : `the ${who} invites`}: ${outcome}`, async () => {
        const { owner, m, f, u, v, id } = await setup(mode);
        const [ caller, joiner ] = who === 'owner' ? [ owner, f ] : who === 'member' ? [ m, f ] : who === 'self' ? [ u, u ] : [ v, v ];
        const res = await invite(caller, id, joiner.id, { addGroupDesc: ' 你好 ' });
        if (outcome === '403') {
          assertFail(res, 403, '请先登录再申请进群');
          assert.equal(await statusOf(id, joiner.id), undefined);
          return;
        }
        assert.equal(assertOk(res), outcome);
        const row = (await memberships(id)).find(r => r.user_id === joiner.id)!;
        assert.equal(row.status, outcome === JOINED ? 1 : 2);
        assert.equal(row.invited_by, caller === joiner ? null : caller.id);
        assert.equal(row.apply_desc, '你好');
      });
    }
  });

  describe('groupInviteUser checks', () => {
    it('in the contract\'s order: 422, 404 group, 404 invitee (before the invite\'s 403s), 403 inviter, 403 friend, 409s', async () => {
      const { owner, m, f, u, id } = await setup(0);
      const stranger = await user('stranger');
      assertFail(await post('groupInviteUser', m, { user_id: f.id }), 422, 'group_id 不能为空');
      assertFail(await post('groupInviteUser', m, { group_id: id, user_id: f.id, inviteuser_id: 0 }), 422, 'inviteuser_id 应为 -1 或 1-4294967295 之间的整数');
      assertFail(await post('groupInviteUser', m, { group_id: id, user_id: f.id, inviteuser_id: '-2' }), 422, 'inviteuser_id 应为 -1 或 1-4294967295 之间的整数');
      assertFail(await post('groupInviteUser', m, { group_id: id, user_id: f.id, addGroupDesc: 'x'.repeat(501) }), 422, 'addGroupDesc 长度应为 0-500 位');
      assertFail(await invite(m, id + 1, f.id), 404, NOT_FOUND);
      assertFail(await invite(stranger, id, 999999), 404, '加群的用户不存在或已被封禁，无法加入群聊');
      await execute('UPDATE `user` SET status = 0 WHERE id = :id', { id: u.id });
      assertFail(await invite(owner, id, u.id), 404, '加群的用户不存在或已被封禁，无法加入群聊');
      assertFail(await invite(stranger, id, f.id), 403, '您不在该群聊中');
      assertFail(await invite(m, id, stranger.id), 403, '只能邀请好友进群');
      // 只能邀请好友进群 precedes 用户已经在群里.
      const x = await user('ownerfriend');
      await befriend(owner.id, x.id);
      assertOk(await invite(owner, id, x.id));
      assertFail(await invite(m, id, x.id), 403, '只能邀请好友进群');
      assertFail(await invite(owner, id, m.id), 409, '用户已经在群里');
      assertFail(await invite(m, id, m.id), 409, '用户已经在群里');
      // inviteuser_id is validated, then ignored: the caller is the inviter.
      assert.equal(assertOk(await post('groupInviteUser', m, { group_id: id, user_id: f.id, inviteuser_id: owner.id })), JOINED);
      assert.equal((await memberships(id)).find(row => row.user_id === f.id)!.invited_by, m.id);
    });

    it('an applicant → 409 (the owner\'s invite too); a full group → 409 for joins, yet a pending request goes in; its approval waits', async () => {
      mm(app.config.im.groups, 'maxMembers', 3);
      const { owner, m, f, u, id } = await setup(1);
      assert.equal(assertOk(await invite(u, id, u.id)), PENDING);
      assertFail(await invite(u, id, u.id), 409, '已申请加入群聊，正在等待群主同意');
      await befriend(owner.id, u.id);
      assertFail(await invite(owner, id, u.id), 409, '已申请加入群聊，正在等待群主同意');
      assert.equal(assertOk(await invite(owner, id, f.id)), JOINED); // 3 members now
      const late = await user('latecomer');
      await befriend(owner.id, late.id);
      assertFail(await invite(owner, id, late.id), 409, '群成员已满');
      await setInviteConfirm(id, 0);
      assertFail(await invite(late, id, late.id), 409, '群成员已满');
      await setInviteConfirm(id, 1);
      assert.equal(assertOk(await invite(late, id, late.id)), PENDING);
      assertFail(await post('groupAgreeOrNo', owner, { group_id: id, user_id: u.id, type: 'agree' }), 409, '群成员已满');
      assert.equal(await statusOf(id, u.id), 2);
      assertOk(await post('groupDeleteUser', owner, { group_id: id, user_id: f.id }));
      assertOk(await post('groupAgreeOrNo', owner, { group_id: id, user_id: u.id, type: 'agree' }));
      assert.equal(await statusOf(id, u.id), 1);
      assert.ok(m);
    });

    it('visitors: only self-joins (anyone else → the visitor gate, before 422); may be invited by a member', async () => {
      const { m, v, id } = await setup(0);
      assertFail(await post('groupInviteUser', v, { group_id: id, user_id: m.id }), 403, VISITOR_FORBIDDEN);
      assertFail(await post('groupInviteUser', v, { group_id: 'x', user_id: 'y' }), 403, VISITOR_FORBIDDEN);
      assertFail(await post('groupInviteUser', v, {}), 403, VISITOR_FORBIDDEN);
      assertFail(await post('groupInviteUser', v, { group_id: 'x', user_id: v.id }), 422, 'group_id 应为 1-4294967295 之间的整数');
      await befriend(m.id, v.id);
      assert.equal(assertOk(await invite(m, id, v.id)), JOINED);
    });

    it('GROUP_JOIN_LIMIT invites and joins per caller and hour → 429; refusals do not count', async () => {
      mm(app.config.im.groups, 'joinLimit', 2);
      const { owner, f, id } = await setup(0);
      const [ x, y ] = [ await user('friendx'), await user('friendy') ];
      await befriend(owner.id, x.id);
      await befriend(owner.id, y.id);
      assertFail(await invite(owner, id, owner.id), 409, '用户已经在群里');
      assertOk(await invite(owner, id, f.id));
      assertOk(await invite(owner, id, x.id));
      const res = await invite(owner, id, y.id);
      assert.equal(res.status, 429);
      assert.equal(await statusOf(id, y.id), undefined);
    });

    it('a direct join recomputes the group avatar (first 9 members in join order)', async () => {
      const { owner, m, u, id } = await setup(0);
      await execute('UPDATE `user` SET avatar = CONCAT(username, \'.png\')');
      assertOk(await invite(u, id, u.id));
      assert.equal((await groupRow(id))!.avatar, 'owner01.png,member1.png,selfjoin.png');
      assert.ok(m && owner);
    });
  });

  describe('the pending notice', () => {
    it('goes to the owner alone: exact keys, J as sender, the applyAddGroup link with every value encoded', async () => {
      mm(app.config.im.groups, 'noticeAvatar', 'https://cdn.example.com/g.png');
      const { owner, m, f, u, v, id } = await setup(1);
      await execute('UPDATE chat_group_user SET nickname = \'群主大人\' WHERE user_id = :id', { id: owner.id });
      await execute('UPDATE `user` SET nickname = \'F & 友\', avatar = \'https://a.example/f 1.png\' WHERE id = :id', { id: f.id });
      const sockets = await Promise.all([ owner, m, f, u, v ].map(who => connect(server.port, who.token)));
      const before = Date.now();
      assertOk(await invite(m, id, f.id, { addGroupDesc: ' 拉个朋友 ' }));
      const [ frame ] = await unstored(sockets[0], 1);
      await sleep(300);
      assert.deepEqual(sockets.map(s => unstoredOf(s).length), [ 1, 0, 0, 0, 0 ]);
      const n = frame.data;
      assert.deepEqual(Object.keys(n), PENDING_KEYS);
      assert.deepEqual(Object.keys(n.group), G_KEYS);
      const ms = n.create_time;
      assert.ok(ms >= before && ms <= Date.now());
      const key = `redirect-applyAddGroup${id}-${f.id}-${ms}`;
      const group = (await groupRow(id))!;
      const desc = { addGroupUserType: '邀请进群', inviteUser: '小明', addGroupTime: ms, addGroupDesc: '拉个朋友', addGroupUserRole: 'user', msgidKey: key };
      assert.deepEqual(Object.keys(n.redirect), [ 'url', 'type', 'desc' ]);
      assert.deepEqual(Object.keys(n.redirect.desc), Object.keys(desc));
      const url = '/pages/setpageInfo/setpageInfo?action=applyAddGroup&title=%E5%8A%A0%E7%BE%A4%E7%94%B3%E8%AF%B7' +
        `&id=${id}&name=${encodeURIComponent(group.name)}&avatar=${encodeURIComponent(group.avatar)}&chatType=group&applyUserid=${f.id}` +
        `&applyUsername=F%20%26%20%E5%8F%8B&applyUseruuid=${f.uuid}&applyUseravatar=https%3A%2F%2Fa.example%2Ff%201.png` +
        `&applydesc=${encodeURIComponent(JSON.stringify(desc))}`;
      assert.deepEqual({ ...n, id: 'x', group: n.group.id }, {
        id: 'x', from_avatar: 'https://cdn.example.com/g.png', from_name: '加群处理', from_id: key, to_id: owner.id, to_name: '群主大人',
        to_avatar: owner.row.avatar, chatType: 'single', type: 'text',
        data: { data: `请处理申请 [小明]邀请 [F & 友] 加入了群[${group.name}]`, dataType: false, otherData: null }, options: {},
        create_time: ms, isremove: 0, group: id, redirect: { url, type: 'navigateTo', desc }, msgidKey: key,
      });
      // A self-join: no inviter part; the visitor's role; "" without addGroupDesc; the default avatar.
      mm(app.config.im.groups, 'noticeAvatar', DEFAULT_NOTICE_AVATAR);
      assertOk(await invite(v, id, v.id));
      const [ , second ] = await unstored(sockets[0], 2);
      assert.equal(second.data.data.data, `请处理申请 [visitor1] 加入了群[${group.name}]`);
      assert.deepEqual([ second.data.from_avatar, second.data.redirect.desc.addGroupUserType, second.data.redirect.desc.inviteUser,
        second.data.redirect.desc.addGroupDesc, second.data.redirect.desc.addGroupUserRole ],
      [ DEFAULT_NOTICE_AVATAR, '用户自主进群', '', '', 'visitor' ]);
      for (const s of sockets) s.close();
    });
  });

  describe('groupAgreeOrNo', () => {
    it('agree: a new member row (last in join order), invited_by kept; double approval → 200 then 404; no: deleted silently', async () => {
      const { owner, m, f, u, id } = await setup(1);
      await execute('UPDATE `user` SET avatar = CONCAT(username, \'.png\')');
      assertOk(await invite(u, id, u.id));
      assertOk(await invite(m, id, f.id));
      assert.equal(assertOk(await post('groupAgreeOrNo', owner, { group_id: id, user_id: f.id, type: 'agree' })), '处理成功');
      assertFail(await post('groupAgreeOrNo', owner, { group_id: id, user_id: f.id, type: 'agree' }), 404, '加群申请不存在或已处理');
      const rows = await memberships(id);
      assert.deepEqual(rows.map(row => [ row.user_id, row.status ]), [[ owner.id, 1 ], [ m.id, 1 ], [ u.id, 2 ], [ f.id, 1 ]]);
      assert.equal(rows[3].invited_by, m.id);
      assert.equal((await groupRow(id))!.avatar, 'owner01.png,member1.png,friend01.png');
      const uSocket = await connect(server.port, u.token);
      assert.equal(assertOk(await post('groupAgreeOrNo', owner, { group_id: id, user_id: u.id, type: 'no' })), '处理成功');
      assert.equal(await statusOf(id, u.id), undefined);
      await sleep(300);
      assert.equal(unstoredOf(uSocket).length, 0);
      uSocket.close();
      assertFail(await post('groupAgreeOrNo', owner, { group_id: id, user_id: u.id, type: 'no' }), 404, '加群申请不存在或已处理');
    });

    it('a gone applicant → 404 and the request removed; texts per failure', async () => {
      const { owner, m, u, id } = await setup(1);
      assertOk(await invite(u, id, u.id));
      assertFail(await post('groupAgreeOrNo', m, { group_id: id, user_id: u.id, type: 'agree' }), 403, '只有群主才能操作');
      for (const type of [ 'yes', 1, null, [ 'agree' ], '' ]) {
        const res = await post('groupAgreeOrNo', owner, { group_id: id, user_id: u.id, type });
        assertFail(res, 422, type === null || type === '' ? 'type 不能为空' : 'type 只能是 agree 或 no');
      }
      assertFail(await post('groupAgreeOrNo', owner, { group_id: id + 1, user_id: u.id, type: 'agree' }), 404, NOT_FOUND);
      assertFail(await post('groupAgreeOrNo', owner, { group_id: id, user_id: m.id, type: 'agree' }), 404, '加群申请不存在或已处理');
      await execute('UPDATE `user` SET is_deleted = 1 WHERE id = :id', { id: u.id });
      assertFail(await post('groupAgreeOrNo', owner, { group_id: id, user_id: u.id, type: 'agree' }), 404, '用户不存在或者被封禁');
      assert.equal(await statusOf(id, u.id), undefined);
      const visitor = await user('visitor2', { username: 'visitor2', role: 'visitor' } as any);
      assertFail(await post('groupAgreeOrNo', visitor, {}), 403, VISITOR_FORBIDDEN);
    });
  });
});
