// CONTRACT-groups §B, §F: stored group notices (GroupMessageService.storeNotice, joinSeq) and
// group messages over real HTTP and WebSocket: shapes, the group's own seq, delivery to every
// session of every member, sync copies, catch-up in order, membership deciding who gets what.
import { strict as assert } from 'node:assert';
import { app, mm } from 'egg-mock/bootstrap';
import { connect, device, listen, sleep, user } from '../messaging/support';
import {
  G_KEYS, MESSAGE_KEYS, NOTICE_KEYS, createText, joinGroup, makeGroup, removeMember, renameGroup, sendGroup,
} from './messageSupport';

const ok = (res: { status: number; body: any }) => {
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.data;
};

describe('group messages: stored notices (storeNotice, joinSeq)', () => {
  const server = listen();

  it('stores the create notice as the group\'s seq 1, M + seq with G, and delivers it to every session of every member', async () => {
    const owner = await user('gowner01');
    const member = await user('gmember1');
    const ownerPhone = await connect(server.port, owner.token);
    const memberSockets = [ await connect(server.port, member.token), await connect(server.port, await device(member)) ];
    const group = await makeGroup(owner, [ member ], 'team');
    for (const client of [ ownerPhone, ...memberSockets ]) {
      const [ frame ] = await client.received(1);
      assert.deepEqual(Object.keys(frame), [ 'type', 'data', 'timestamp' ]);
      const notice = frame.data;
      assert.deepEqual(Object.keys(notice), NOTICE_KEYS, 'stored notice: M then seq, no sendUUid');
      assert.deepEqual(Object.keys(notice.group), G_KEYS);
      assert.equal(typeof notice.id, 'string');
      assert.equal(notice.from_id, owner.id);
      assert.equal(notice.from_name, owner.username);
      assert.equal(notice.to_id, group.id);
      assert.equal(notice.to_name, 'team');
      assert.equal(notice.to_avatar, group.avatar);
      assert.equal(notice.chatType, 'group');
      assert.equal(notice.type, 'systemNotice');
      assert.deepEqual(notice.data, { data: createText('team'), dataType: false, otherData: null });
      assert.deepEqual(notice.options, {});
      assert.equal(notice.isremove, 0);
      assert.equal(notice.seq, 1);
      assert.deepEqual(notice.group, {
        create_time: notice.group.create_time, id: group.id, uuid: group.uuid, user_id: owner.id, name: 'team', avatar: group.avatar,
        remark: '', invite_confirm: 0, status: 1, order: 50,
      });
      assert.match(notice.group.create_time, /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
    }
    assert.equal(ownerPhone.of('singleChatSync').length, 0, 'no sync copies of notices');
    const conversation = await app.model.Conversation.findOne({ where: { group_id: group.id }, raw: true });
    assert.equal(conversation!.chat_type, 2);
    assert.equal(conversation!.user_a, null);
    assert.equal(conversation!.last_seq, 1);
  });

  it('joinSeq is the last seq (0 before anything); the joined notice has the next seq, a string from_id, and reaches the newcomer', async () => {
    const owner = await user('gowner02');
    const late = await user('glate002');
    const ctx = app.mockContext();
    assert.equal(await app.model.transaction(t => ctx.service.groups.messages.joinSeq(987654, t)), 0);
    const group = await makeGroup(owner, [], 'solo');
    const renamed = await renameGroup(group.id, owner, 'solo2');
    assert.equal(renamed.seq, 2);
    assert.equal((renamed.group as any).name, 'solo2', 'G after the action');
    assert.equal(renamed.to_name, 'solo2');
    const lateSocket = await connect(server.port, late.token);
    const { joinSeq, notice } = await joinGroup(group.id, late);
    assert.equal(joinSeq, 2);
    assert.equal(notice.seq, 3);
    assert.match(String(notice.from_id), new RegExp(`^redirect-applyAddGroup${group.id}-${late.id}-\\d+$`));
    const [ frame ] = await lateSocket.received(1);
    assert.deepEqual(frame.data, notice);
    assert.deepEqual(Object.keys(frame.data), NOTICE_KEYS);
    const row = await app.model.Message.findOne({ where: { id: notice.id }, raw: true });
    assert.equal(row!.from_id, 0);
    assert.equal(row!.from_ref, notice.from_id);
  });
});

describe('group messages: sendmessage chatType group', () => {
  const server = listen();

  async function trio() {
    const owner = await user('gowner10');
    const alice = await user('galice10');
    const bob = await user('gbob0010');
    const group = await makeGroup(owner, [ alice, bob ], 'trio');
    return { owner, alice, bob, group };
  }

  it('answers the message object (keys exact, group after isremove) and delivers it to every member session and the sender\'s other ones', async () => {
    const { owner, alice, bob, group } = await trio();
    const aliceTablet = await device(alice);
    const [ ownerWs, bobWs, bobWs2, aliceWs, aliceTabletWs ] = await Promise.all([
      connect(server.port, owner.token), connect(server.port, bob.token), connect(server.port, await device(bob)),
      connect(server.port, alice.token), connect(server.port, aliceTablet),
    ]);
    for (const ws of [ ownerWs, bobWs, bobWs2, aliceWs, aliceTabletWs ]) await ws.received(1); // the create notice
    const message = ok(await sendGroup(server.base, alice.token, group.id, 'hello group'));
    assert.deepEqual(Object.keys(message), MESSAGE_KEYS);
    assert.deepEqual(Object.keys(message.group), G_KEYS);
    assert.equal(message.from_id, alice.id);
    assert.equal(message.from_name, alice.username);
    assert.equal(message.to_id, group.id);
    assert.equal(message.to_name, 'trio');
    assert.equal(message.to_avatar, group.avatar);
    assert.equal(message.chatType, 'group');
    assert.equal(message.data, JSON.stringify({ data: 'hello group', dataType: false, otherData: null }));
    assert.equal(message.sendUUid, (await app.model.User.findByPk(alice.id, { raw: true }))!.uuid);
    assert.equal(message.seq, 2, 'the create notice was seq 1');
    for (const ws of [ ownerWs, bobWs, bobWs2 ]) {
      const frames = await ws.received(2);
      assert.deepEqual(frames[1].data, message);
    }
    const [ sync ] = await aliceTabletWs.received(1, 'singleChatSync');
    assert.deepEqual(sync.data, message);
    await sleep(200);
    assert.equal(aliceWs.of().length, 1, 'the sending session gets nothing new');
    assert.equal(aliceWs.of('singleChatSync').length, 0);
    assert.equal(aliceTabletWs.of().length, 1);
    assert.equal(await app.model.Message.count({ where: { to_id: group.id, chat_type: 2 } }), 2, 'stored once');
  });

  it('uses the group nickname and avatar of the sender (name in the group)', async () => {
    const { alice, bob, group } = await trio();
    await app.model.query('UPDATE chat_group_user SET nickname = \'Ali\', avatar = \'https://a.example/ali.png\' WHERE user_id = :id',
      { replacements: { id: alice.id } });
    const bobWs = await connect(server.port, bob.token);
    const message = ok(await sendGroup(server.base, alice.token, group.id, 'hi'));
    assert.equal(message.from_name, 'Ali');
    assert.equal(message.from_avatar, 'https://a.example/ali.png');
    const frames = await bobWs.received(2);
    assert.equal(frames[1].data.from_name, 'Ali');
  });

  it('404 for a missing or banned group, 403 for non-members and applicants, 422 as single chat', async () => {
    const { owner, alice, group } = await trio();
    const stranger = await user('gstrange');
    const missing = await sendGroup(server.base, alice.token, group.id + 1000, 'x');
    assert.deepEqual([ missing.status, missing.body ], [ 404, { msg: 'fail', data: '群不存在或者已解散或者被封禁，无法发消息' }]);
    const outsider = await sendGroup(server.base, stranger.token, group.id, 'x');
    assert.deepEqual([ outsider.status, outsider.body ], [ 403, { msg: 'fail', data: '您不在群里，无法发消息' }]);
    await app.model.query('INSERT INTO chat_group_user (group_id, user_id, nickname, avatar, status, `order`, apply_desc, join_seq, create_time, update_time) ' +
      'VALUES (:g, :u, \'\', \'\', 2, 50, \'\', 0, NOW(3), NOW(3))', { replacements: { g: group.id, u: stranger.id } });
    assert.equal((await sendGroup(server.base, stranger.token, group.id, 'x')).status, 403, 'an applicant is not a member');
    const blank = await sendGroup(server.base, alice.token, group.id, '   ');
    assert.deepEqual([ blank.status, blank.body.data ], [ 422, 'data 格式不正确' ]);
    assert.equal(await app.model.Message.count({ where: { to_id: group.id, chat_type: 2 } }), 1, 'only the create notice');
    // Tables start empty: the owner (first user) and the group both have id 1, which is not "oneself".
    assert.equal(owner.id, group.id);
    assert.equal((await sendGroup(server.base, owner.token, group.id, 'x')).status, 200);
    await app.model.query('UPDATE chat_group SET status = 0 WHERE id = :id', { replacements: { id: group.id } });
    assert.equal((await sendGroup(server.base, alice.token, group.id, 'x')).status, 404, 'banned');
  });

  it('client_msg_id: a retry answers the first message and sends nothing', async () => {
    const { alice, bob, group } = await trio();
    const bobWs = await connect(server.port, bob.token);
    const first = ok(await sendGroup(server.base, alice.token, group.id, 'once', { client_msg_id: 'g-1' }));
    const again = ok(await sendGroup(server.base, alice.token, group.id, 'twice', { client_msg_id: 'g-1' }));
    assert.deepEqual(again, first);
    await bobWs.received(2);
    await sleep(200);
    assert.equal(bobWs.of().length, 2);
  });

  it('one appendMany per message for all members, never an append per member', async () => {
    const owner = await user('gowner11');
    const others = await Promise.all(Array.from({ length: 8 }, (_, i) => user(`gmass00${i}`)));
    const group = await makeGroup(owner, others, 'mass');
    const { broker } = app;
    const calls = { appendMany: [] as number[], append: 0 };
    const appendMany = broker.appendMany.bind(broker);
    const append = broker.append.bind(broker);
    broker.appendMany = (uids, entry, data) => { calls.appendMany.push(uids.length); return appendMany(uids, entry, data); };
    broker.append = (uid, entry, data) => { calls.append++; return append(uid, entry, data); };
    try {
      ok(await sendGroup(server.base, owner.token, group.id, 'to all'));
    } finally {
      delete (broker as any).appendMany;
      delete (broker as any).append;
    }
    assert.deepEqual(calls, { appendMany: [ 8 ], append: 0 });
    for (const other of others) assert.equal(await app.redis.xlen(`im:inbox:{${other.id}}`), 2);
  });

  it('a fan-out that fails (Redis gone) answers 503 and stores nothing: the next message takes that seq', async () => {
    const { alice, bob, group } = await trio();
    const bobWs = await connect(server.port, bob.token);
    await bobWs.received(1);
    const failure = Object.assign(new Error('Reached the max retries per request limit'), { name: 'MaxRetriesPerRequestError' });
    mm(app.broker, 'appendMany', async () => { throw failure; });
    const refused = await sendGroup(server.base, alice.token, group.id, 'lost');
    mm.restore();
    assert.deepEqual([ refused.status, refused.body ], [ 503, { msg: 'fail', data: '服务暂不可用，请稍后再试' }]);
    const next = ok(await sendGroup(server.base, alice.token, group.id, 'kept'));
    assert.equal(next.seq, 2);
    await bobWs.received(2);
    await sleep(200);
    assert.deepEqual(bobWs.of().map(f => f.data.seq), [ 1, 2 ]);
    assert.equal(await app.model.Message.count({ where: { to_id: group.id, chat_type: 2 } }), 2);
  });

  it('offline members catch up on connect in seq order, once per session', async () => {
    const { owner, alice, bob, group } = await trio();
    const sent: string[] = [];
    for (let i = 0; i < 5; i++) sent.push(ok(await sendGroup(server.base, i % 2 ? owner.token : alice.token, group.id, `m${i}`)).id);
    const bobWs = await connect(server.port, bob.token);
    const frames = await bobWs.received(6);
    assert.deepEqual(frames.map(f => f.data.seq), [ 1, 2, 3, 4, 5, 6 ]);
    assert.deepEqual(frames.slice(1).map(f => f.data.id), sent);
    await bobWs.until(() => bobWs.pings > 0, 'a ping');
    await sleep(300);
    bobWs.close();
    const again = await connect(server.port, bob.token);
    await sleep(500);
    assert.equal(again.of().length, 0, 'confirmed frames are not sent again');
  });

  it('membership decides: a removed member and an applicant get nothing, a newcomer gets what follows its join', async () => {
    const { alice, bob, group } = await trio();
    const late = await user('glate010');
    const bobWs = await connect(server.port, bob.token);
    await bobWs.received(1);
    await removeMember(group.id, bob.id);
    const applicant = await user('gapply10');
    await app.model.query('INSERT INTO chat_group_user (group_id, user_id, nickname, avatar, status, `order`, apply_desc, join_seq, create_time, update_time) ' +
      'VALUES (:g, :u, \'\', \'\', 2, 50, \'\', 0, NOW(3), NOW(3))', { replacements: { g: group.id, u: applicant.id } });
    const applicantWs = await connect(server.port, applicant.token);
    const lateWs = await connect(server.port, late.token);
    await joinGroup(group.id, late);
    const message = ok(await sendGroup(server.base, alice.token, group.id, 'after'));
    const [ joined, got ] = await lateWs.received(2);
    assert.equal(joined.data.type, 'systemNotice');
    assert.equal(got.data.id, message.id);
    await sleep(300);
    assert.equal(bobWs.of().length, 1, 'the removed member got nothing');
    assert.equal(applicantWs.of().length, 0, 'an applicant gets nothing');
    const refused = await sendGroup(server.base, bob.token, group.id, 'still here?');
    assert.equal(refused.status, 403);
  });
});
