// Every use case that opens a transaction must do all its SQL on the transaction's own pooled
// connection: one that takes a second connection while its transaction holds the first waits
// for ever once every connection of the pool is held that way (the apply+agree cycle's 503s of
// 2026-12-07, docs/performance.md). With a pool of ONE connection such a use case cannot
// finish: it waits for itself until the acquire timeout and answers 503. Here the write use
// cases of friends, messaging, groups and accounts run one after the other with the pool cut
// to one connection, and each must answer 200.
import { strict as assert } from 'node:assert';
import { app } from 'egg-mock/bootstrap';
import { register } from '../../helpers';
import { befriend, call, listen, sendMessage, textBody, user } from '../messaging/support';
import { REG_CHAT, arrive, newDeviceId, withCredentials } from '../visitors/support';
import { groupBody } from '../groups/messageSupport';
import { createGroup, execute, query } from '../groups/support';

type Pool = { _factory: { max: number }; destroyAllNow(): Promise<void> };

/** Runs `work` with the app's pool cut to one connection (the idle ones closed first). */
async function withOneConnection(work: () => Promise<void>) {
  const pool = (app.model.connectionManager as unknown as { pool: Pool }).pool;
  const { max } = pool._factory;
  await pool.destroyAllNow();
  pool._factory.max = 1;
  try {
    await work();
  } finally {
    pool._factory.max = max;
  }
}

describe('a pool of one connection: every write use case finishes', function() {
  this.timeout(120000);
  const server = listen();
  const post = (path: string, who: { token: string }, body: Record<string, unknown> = {}) => call(server.base, 'POST', `/api/chat/${path}`, who.token, body);
  const ok = async (what: string, answer: Promise<{ status: number; body: any }>) => {
    const res = await answer;
    assert.equal(res.status, 200, `${what}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.data;
  };

  it('friends, messaging, groups and logout, one after the other, each 200', async () => {
    const [ owner, a, b, c, d ] = await Promise.all([ 'one0own', 'one0aaa', 'one0bbb', 'one0ccc', 'one0ddd' ].map(name => user(name)));
    for (const other of [ a, b, c ]) await befriend(owner.id, other.id);
    await execute('UPDATE `user` SET invite_confirm = 0 WHERE id = :id', { id: c.id });
    await withOneConnection(async () => {
      // friends: apply, agree (its stored notices), the auto-add, remark and blacklist
      await ok('applyfriend', post('applyfriend', d, { friend_id: a.id, nickname: 'hi' }));
      const [ application ] = await query<{ id: number }>('SELECT id FROM goodfriendapply WHERE user_id = :d AND friend_id = :a', { d: d.id, a: a.id });
      await ok('handleapply agree', post(`handleapply/${application.id}`, a, { status: 'agree', nickname: 'dd' }));
      await ok('autoAddFriendAndAgree', post('autoAddFriendAndAgree', d, { friend_id: c.id }));
      // messaging: a first message, a reply, a revoke
      const sent = await ok('sendmessage', sendMessage(server.base, d.token, textBody(a.id, 'hello')));
      await ok('sendmessage back', sendMessage(server.base, a.token, textBody(d.id, 'hi')));
      await ok('revokeMessage', post('revokeMessage', d, { id: sent.id, chatType: 'single', to_id: a.id }));
      // groups: create (its notice), the settings, a join and its approval, messages, removal, transfer, quit, dismissal
      const groupId = await createGroup(server, owner, [ a, b ]);
      await ok('groupUpdateName', post('groupUpdateName', owner, { id: groupId, name: 'one' }));
      await ok('groupremark', post('groupremark', owner, { id: groupId, remark: 'r' }));
      await ok('groupnickname', post('groupnickname', a, { id: groupId, nickname: 'aa' }));
      await ok('groupInviteUser', post('groupInviteUser', owner, { group_id: groupId, user_id: c.id }));
      await ok('groupAddUserSet', post('groupAddUserSet', owner, { group_id: groupId, addGroupSet: 1 }));
      await ok('groupInviteUser (a request)', post('groupInviteUser', d, { group_id: groupId, user_id: d.id, inviteuser_id: -1 }));
      await ok('groupAgreeOrNo', post('groupAgreeOrNo', owner, { group_id: groupId, user_id: d.id, type: 'agree' }));
      const message = await ok('group sendmessage', sendMessage(server.base, a.token, groupBody(groupId, 'to all')));
      await ok('group revokeMessage', post('revokeMessage', owner, { id: message.id, chatType: 'group', to_id: groupId }));
      await ok('groupDeleteUser', post('groupDeleteUser', owner, { group_id: groupId, user_id: b.id }));
      await ok('groupTransfer', post('groupTransfer', owner, { id: groupId, user_id: a.id }));
      await ok('groupDeleteOrQuit (quit)', post('groupDeleteOrQuit', owner, { id: groupId }));
      await ok('groupDeleteOrQuit (dismiss)', post('groupDeleteOrQuit', a, { id: groupId }));
      await ok('setblackgoodfriend', post(`setblackgoodfriend/${owner.id}`, b, { isblack: 1 }));
      await ok('logout', post('logout', d));
    });
  });

  it('accounts: registration, a visitor and its upgrade, and the console\'s user actions (disable, enable, end sessions, delete)', async () => {
    const target = await user('one1tgt');
    const ctx = app.mockContext();
    const within = async () => undefined; // the console's audit entry goes here, in the same transaction
    await withOneConnection(async () => {
      await register('one1reg');
      const deviceId = newDeviceId();
      const visitor = await arrive(deviceId);
      const upgraded = await withCredentials(REG_CHAT, deviceId, 'one1vis');
      assert.equal(upgraded.id, visitor.id);
      await ctx.service.account.standing.setStatus(target.id, 0, within);
      await ctx.service.account.standing.setStatus(target.id, 1, within);
      await ctx.service.account.standing.endSessions(target.id, within);
      await ctx.service.account.standing.softDelete(target.id, within);
    });
    const [ row ] = await query<{ is_deleted: number }>('SELECT is_deleted FROM `user` WHERE id = :id', { id: target.id });
    assert.equal(row.is_deleted, 1);
  });
});
