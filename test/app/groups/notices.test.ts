// CONTRACT-groups §A "Notices" (stored ones: create, rename, notice, joined, transfer) and §F:
// M followed by `seq`, to exactly the members, through the group message write path.
import { strict as assert } from 'node:assert';
import { app, mm } from 'egg-mock/bootstrap';
import { assertOk } from '../../helpers';
import {
  befriend, circle, connect, createGroup, DEFAULT_NOTICE_AVATAR, execute, G_KEYS, groupRow, listen, memberships, NOTICE_KEYS, routes,
  setInviteConfirm, sleep, stored, storedOf, user, User,
} from './support';

const STORED_KEYS = [ ...NOTICE_KEYS, 'seq' ];

describe('groups: stored notices', () => {
  const server = listen();
  const { post } = routes(server);

  /** Checks a stored notice frame's shape and returns its data. */
  function notice(frame: any, seq: number) {
    assert.equal(frame.type, 'singleChat');
    const m = frame.data;
    assert.deepEqual(Object.keys(m), STORED_KEYS);
    assert.deepEqual(Object.keys(m.group), G_KEYS);
    assert.deepEqual([ m.chatType, m.type, m.seq, m.isremove, m.options, m.data.dataType, m.data.otherData ], [ 'group', 'systemNotice', seq, 0, {}, false, null ]);
    return m;
  }

  it('create, rename, notice, transfer: to every member (the actor included), nobody else; seq 1, 2, 3…; unchanged values tell no one', async () => {
    const [ owner, a, b, c ] = await circle([ 'owner01', 'member1', 'member2', 'outside1' ], [{ nickname: '老大' }, { nickname: '小一' }]);
    const sockets = await Promise.all([ owner, a, b, c ].map(who => connect(server.port, who.token)));
    const id = await createGroup(server, owner, [ a, b ]);
    const group = (await groupRow(id))!;
    const created = await Promise.all(sockets.slice(0, 3).map(s => stored(s, 1)));
    const m = notice(created[0][0], 1);
    assert.deepEqual([ m.from_id, m.from_name, m.from_avatar, m.to_id, m.to_name, m.to_avatar, m.data.data, m.group.id, m.group.user_id ],
      [ owner.id, '老大', owner.row.avatar, id, group.name, group.avatar, '老大创建了一个群，大家可以开始聊天了', id, owner.id ]);
    assert.deepEqual(created[1][0].data, m);
    assertOk(await post('groupUpdateName', owner, { id, name: '新名字' }));
    assertOk(await post('groupUpdateName', owner, { id, name: '新名字' }));
    assertOk(await post('groupremark', owner, { id, remark: '第一\n第二' }));
    assertOk(await post('groupremark', owner, { id, remark: '第一\n第二' }));
    await execute('UPDATE chat_group_user SET nickname = \'一号\' WHERE user_id = :id', { id: a.id });
    assertOk(await post('groupTransfer', owner, { id, user_id: a.id }));
    const frames = await Promise.all(sockets.slice(0, 3).map(s => stored(s, 4)));
    await sleep(300);
    assert.deepEqual(sockets.map(s => storedOf(s).length), [ 4, 4, 4, 0 ]);
    const [ renamed, remarked, transferred ] = frames[1].slice(1).map((frame, i) => notice(frame, i + 2));
    assert.deepEqual([ renamed.data.data, renamed.to_name, renamed.group.name, renamed.from_id ], [ '群名称修改为：新名字', '新名字', '新名字', owner.id ]);
    assert.deepEqual([ remarked.data.data, remarked.group.remark ], [ '[公告] \n\n 第一\n第二', '第一\n第二' ]);
    assert.deepEqual([ transferred.data.data, transferred.from_id, transferred.from_name, transferred.group.user_id ],
      [ '群主已转让给 [一号]', owner.id, '老大', a.id ]);
    for (const s of sockets) s.close();
  });

  it('joined: from J to the members and the newcomer (not applicants or outsiders); join_seq = the last seq before the join', async () => {
    mm(app.config.im.groups, 'noticeAvatar', 'https://cdn.example.com/j.png');
    const [ owner, m, f ] = await circle([ 'owner01', 'member1', 'friend01' ], [{}, { nickname: '小明' }]);
    await befriend(m.id, f.id);
    const applicant = await user('applicant');
    const self = await user('selfjoin', { username: 'selfjoin', nickname: '自来' } as any);
    const outsider = await user('outsider');
    const id = await createGroup(server, owner, [ m ]);
    await setInviteConfirm(id, 1);
    assertOk(await post('groupInviteUser', applicant, { group_id: id, user_id: applicant.id })); // pending
    await setInviteConfirm(id, 0);
    assertOk(await post('groupUpdateName', owner, { id, name: '第二条' })); // seq 2
    const people: User[] = [ owner, m, f, applicant, self, outsider ];
    const sockets = await Promise.all(people.map(who => connect(server.port, who.token)));
    const before = Date.now();
    assert.equal(assertOk(await post('groupInviteUser', m, { group_id: id, user_id: f.id, inviteuser_id: m.id })), '加群成功');
    const frames = await Promise.all([ 0, 1, 2 ].map(i => stored(sockets[i], i === 2 ? 1 : 3)));
    const joined = notice(frames[2][0], 3);
    assert.deepEqual(frames[0][2].data, joined);
    assert.ok(joined.create_time >= before);
    assert.match(joined.from_id, new RegExp(`^redirect-applyAddGroup${id}-${f.id}-\\d{13}$`));
    assert.deepEqual([ joined.from_name, joined.from_avatar, joined.data.data ], [ '加群申请提醒', 'https://cdn.example.com/j.png', '[小明]邀请 [friend01] 加入了群聊' ]);
    assert.equal((await memberships(id)).find(row => row.user_id === f.id)!.join_seq, 2);
    // A self-join: no inviter part.
    mm(app.config.im.groups, 'noticeAvatar', DEFAULT_NOTICE_AVATAR);
    assertOk(await post('groupInviteUser', self, { group_id: id, user_id: self.id, inviteuser_id: -1 }));
    const [ selfJoined ] = await stored(sockets[4], 1);
    assert.deepEqual([ notice(selfJoined, 4).data.data, selfJoined.data.from_avatar ], [ '[自来] 加入了群聊', DEFAULT_NOTICE_AVATAR ]);
    assert.equal((await memberships(id)).find(row => row.user_id === self.id)!.join_seq, 3);
    await stored(sockets[0], 4);
    await sleep(300);
    assert.deepEqual(sockets.map(s => storedOf(s).length), [ 4, 4, 2, 0, 1, 0 ]);
    for (const s of sockets) s.close();
  });

  it('an approval tells the members, the newcomer included, keeping a member\'s invitation; a member who left hears nothing more', async () => {
    const [ owner, m, f ] = await circle([ 'owner01', 'member1', 'friend01' ], [{}, { nickname: '小明' }, { nickname: '阿福' }]);
    await befriend(m.id, f.id);
    const b = await user('member2');
    const id = await createGroup(server, owner, [ m ]);
    await befriend(owner.id, b.id);
    assertOk(await post('groupInviteUser', owner, { group_id: id, user_id: b.id }));
    assertOk(await post('groupDeleteOrQuit', b, { id }));
    await setInviteConfirm(id, 1);
    assert.equal(assertOk(await post('groupInviteUser', m, { group_id: id, user_id: f.id })), '等待群主同意');
    const sockets = await Promise.all([ owner, m, f, b ].map(who => connect(server.port, who.token)));
    assertOk(await post('groupAgreeOrNo', owner, { group_id: id, user_id: f.id, type: 'agree' }));
    const [ joined ] = await stored(sockets[2], 1);
    assert.deepEqual([ notice(joined, 3).data.data, joined.data.from_name ], [ '[小明]邀请 [阿福] 加入了群聊', '加群申请提醒' ]);
    await stored(sockets[0], 3);
    await sleep(300);
    // b got the create notice? No: b joined after it (seq 2 is b's own join), and left before seq 3.
    assert.deepEqual(sockets.map(s => storedOf(s).length), [ 3, 3, 1, 1 ]);
    assert.equal(storedOf(sockets[3])[0].data.seq, 2);
    for (const s of sockets) s.close();
  });
});
