// CONTRACT-groups §B, §F: GET /api/chat/history/:id?chatType=group (from the caller's join on)
// and revokeMessage with chatType group (the sender, or the owner, within the window; the notice
// to every member's sessions and the revoker's other sessions).
import { strict as assert } from 'node:assert';
import { app } from 'egg-mock/bootstrap';
import { call, connect, device, listen, sleep, user } from '../messaging/support';
import {
  G_KEYS, MESSAGE_KEYS, NOTICE_KEYS, REVOKE_KEYS, groupHistory, joinGroup, makeGroup, removeMember, revokeGroup, sendGroup,
} from './messageSupport';

const ok = (res: { status: number; body: any }) => {
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.data;
};
const fail = (res: { status: number; body: any }, status: number, text: string) =>
  assert.deepEqual([ res.status, res.body ], [ status, { msg: 'fail', data: text }]);

async function trio() {
  const owner = await user('hown0001');
  const alice = await user('halice01');
  const bob = await user('hbob0001');
  const group = await makeGroup(owner, [ alice, bob ], 'hist');
  return { owner, alice, bob, group };
}

describe('group history: GET /api/chat/history/:id?chatType=group', () => {
  const server = listen();

  it('founding members read from seq 1 (the create notice), newest first, paged by before and limit', async () => {
    const { owner, alice, group } = await trio();
    const sent = [];
    for (let i = 0; i < 4; i++) sent.push(ok(await sendGroup(server.base, i % 2 ? owner.token : alice.token, group.id, `h${i}`)));
    const all = ok(await groupHistory(server.base, alice.token, group.id));
    assert.deepEqual(all.map((m: any) => m.seq), [ 5, 4, 3, 2, 1 ]);
    assert.deepEqual(all.slice(0, 4), [ ...sent ].reverse(), 'history carries the objects as sent');
    assert.deepEqual(Object.keys(all[0]), MESSAGE_KEYS);
    assert.deepEqual(Object.keys(all[4]), NOTICE_KEYS);
    assert.deepEqual(Object.keys(all[4].group), G_KEYS);
    const page = ok(await groupHistory(server.base, owner.token, group.id, '&before=4&limit=2'));
    assert.deepEqual(page.map((m: any) => m.seq), [ 3, 2 ]);
    assert.deepEqual(ok(await groupHistory(server.base, owner.token, group.id, '&before=1')), []);
  });

  it('a late joiner reads from its join on (its joined notice included), not what came before', async () => {
    const { alice, group } = await trio();
    ok(await sendGroup(server.base, alice.token, group.id, 'before the join'));
    const late = await user('hlate001');
    const { joinSeq, notice } = await joinGroup(group.id, late);
    assert.equal(joinSeq, 2);
    const after = ok(await sendGroup(server.base, alice.token, group.id, 'after the join'));
    const seen = ok(await groupHistory(server.base, late.token, group.id));
    assert.deepEqual(seen.map((m: any) => m.id), [ after.id, notice.id ]);
    assert.deepEqual(ok(await groupHistory(server.base, late.token, group.id, `&before=${notice.seq}`)), []);
    assert.equal(ok(await groupHistory(server.base, alice.token, group.id)).length, 4, 'founders see everything');
  });

  it('403 for non-members, applicants and members who left; 404 for a missing group; 422 for a bad chatType; single history unchanged', async () => {
    const { alice, bob, group } = await trio();
    const stranger = await user('hstrange');
    fail(await groupHistory(server.base, stranger.token, group.id), 403, '您不在该群聊中');
    await app.model.query('INSERT INTO chat_group_user (group_id, user_id, nickname, avatar, status, `order`, apply_desc, join_seq, create_time, update_time) ' +
      'VALUES (:g, :u, \'\', \'\', 2, 50, \'\', 0, NOW(3), NOW(3))', { replacements: { g: group.id, u: stranger.id } });
    fail(await groupHistory(server.base, stranger.token, group.id), 403, '您不在该群聊中');
    await removeMember(group.id, bob.id);
    fail(await groupHistory(server.base, bob.token, group.id), 403, '您不在该群聊中');
    fail(await groupHistory(server.base, alice.token, group.id + 100), 404, '群不存在或被封禁');
    fail(await call(server.base, 'GET', `/api/chat/history/${group.id}?chatType=room`, alice.token), 422, 'chatType 只能是 single 或 group');
    // Without chatType the id is a user's: alice and bob have no conversation.
    assert.deepEqual(ok(await call(server.base, 'GET', `/api/chat/history/${bob.id}`, alice.token)), []);
    assert.deepEqual(ok(await call(server.base, 'GET', `/api/chat/history/${bob.id}?chatType=single`, alice.token)), []);
  });

  it('a member who leaves and joins again reads only from the new join', async () => {
    const { alice, bob, group } = await trio();
    ok(await sendGroup(server.base, alice.token, group.id, 'while bob was in'));
    await removeMember(group.id, bob.id);
    const missed = ok(await sendGroup(server.base, alice.token, group.id, 'while bob was out'));
    const { notice } = await joinGroup(group.id, bob);
    const seen = ok(await groupHistory(server.base, bob.token, group.id));
    assert.deepEqual(seen.map((m: any) => m.id), [ notice.id ]);
    assert.ok(!seen.some((m: any) => m.id === missed.id));
  });
});

describe('group revoke: POST /api/chat/revokeMessage chatType group', () => {
  const server = listen();

  it('the sender revokes: the notice (group = G, the name in the group) to every member session, singleChatSync to the sender\'s other sessions', async () => {
    const { owner, alice, bob, group } = await trio();
    await app.model.query('UPDATE chat_group_user SET nickname = \'Ali\' WHERE user_id = :id', { replacements: { id: alice.id } });
    const aliceOther = await device(alice);
    const [ ownerWs, bobWs, aliceWs, aliceOtherWs ] = await Promise.all([
      connect(server.port, owner.token), connect(server.port, bob.token), connect(server.port, alice.token), connect(server.port, aliceOther),
    ]);
    const message = ok(await sendGroup(server.base, alice.token, group.id, 'oops'));
    await bobWs.received(2);
    const notice = ok(await revokeGroup(server.base, alice.token, message.id, group.id));
    assert.deepEqual(Object.keys(notice), REVOKE_KEYS);
    assert.deepEqual(notice, {
      id: message.id, from_avatar: message.from_avatar, from_name: 'Ali', from_id: alice.id, to_id: group.id, to_name: 'hist',
      to_avatar: group.avatar, chatType: 'group', type: 'systemNotice', actionType: 'revoke',
      data: { data: 'Ali撤回了一条消息', dataType: false, otherData: null }, options: {}, create_time: notice.create_time, isremove: 0,
      group: message.group,
    });
    for (const ws of [ ownerWs, bobWs ]) {
      const frames = await ws.received(3);
      assert.deepEqual(frames[2].data, notice);
    }
    const syncs = await aliceOtherWs.received(2, 'singleChatSync');
    assert.deepEqual(syncs[1].data, notice);
    await sleep(200);
    assert.equal(aliceWs.of('singleChatSync').length, 0);
    assert.equal(aliceWs.of().length, 1, 'the revoking session gets nothing new');
    // Repeated: the same notice, nothing sent again.
    assert.deepEqual(ok(await revokeGroup(server.base, alice.token, message.id, group.id)), notice);
    await sleep(200);
    assert.equal(bobWs.of().length, 3);
    // History keeps its place, erased.
    const [ latest ] = ok(await groupHistory(server.base, bob.token, group.id));
    assert.deepEqual(Object.keys(latest), MESSAGE_KEYS);
    assert.equal(latest.isremove, 1);
    assert.equal(latest.data, JSON.stringify({ data: 'Ali撤回了一条消息', dataType: false, otherData: null }));
  });

  it('the owner revokes a member\'s message (the sender gets the notice too); another member may not (403)', async () => {
    const { owner, alice, bob, group } = await trio();
    const aliceWs = await connect(server.port, alice.token);
    const message = ok(await sendGroup(server.base, bob.token, group.id, 'rude'));
    fail(await revokeGroup(server.base, alice.token, message.id, group.id), 403, '只能撤回自己发送的消息');
    const notice = ok(await revokeGroup(server.base, owner.token, message.id, group.id));
    assert.equal(notice.data.data, `${bob.username}撤回了一条消息`);
    const bobWs = await connect(server.port, bob.token);
    const frames = await bobWs.received(2);
    assert.deepEqual(frames.map(f => f.data.type), [ 'systemNotice', 'systemNotice' ]);
    assert.deepEqual(frames[1].data, notice, 'offline sender catches up the notice');
    const aliceFrames = await aliceWs.received(3);
    assert.equal(aliceFrames[1].data.isremove, 0, 'delivered before the revoke');
    assert.deepEqual(aliceFrames[2].data, notice);
  });

  it('404 for a non-member, a wrong to_id or a single-chat id; 403 for a notice and past the window', async () => {
    const { owner, alice, group } = await trio();
    const stranger = await user('hstrang2');
    const message = ok(await sendGroup(server.base, alice.token, group.id, 'mine'));
    fail(await revokeGroup(server.base, stranger.token, message.id, group.id), 404, '消息不存在');
    fail(await revokeGroup(server.base, alice.token, message.id, group.id + 1), 404, '消息不存在');
    fail(await call(server.base, 'POST', '/api/chat/revokeMessage', alice.token, { id: message.id, chatType: 'single', to_id: group.id }), 404, '消息不存在');
    const [ createNotice ] = ok(await groupHistory(server.base, owner.token, group.id, '&before=2'));
    fail(await revokeGroup(server.base, owner.token, createNotice.id, group.id), 403, '只能撤回自己发送的消息');
    await app.model.query('UPDATE message SET create_time = DATE_SUB(create_time, INTERVAL 6 MINUTE) WHERE id = :id', { replacements: { id: message.id } });
    fail(await revokeGroup(server.base, alice.token, message.id, group.id), 403, '消息超过5分钟，不能撤回');
    fail(await revokeGroup(server.base, owner.token, message.id, group.id), 403, '消息超过5分钟，不能撤回');
  });

  it('a member who joined after the message gets no revoke notice for it', async () => {
    const { alice, group } = await trio();
    const message = ok(await sendGroup(server.base, alice.token, group.id, 'early'));
    const late = await user('hlate002');
    await joinGroup(group.id, late);
    const lateWs = await connect(server.port, late.token);
    await lateWs.received(1);
    ok(await revokeGroup(server.base, alice.token, message.id, group.id));
    await sleep(300);
    assert.equal(lateWs.of().length, 1, 'only the joined notice');
  });
});
