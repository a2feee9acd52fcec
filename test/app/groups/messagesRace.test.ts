// CONTRACT-groups §B "Membership decides": a group message racing a membership change. The
// sender reads the members under the group conversation's lock, which a join takes (joinSeq)
// before it inserts the membership: a newcomer gets a message exactly when its history shows it
// (seq > join_seq). A message racing a removal is delivered to the removed user or not, and is
// never in their history (403 while out, before their join_seq once back).
import { strict as assert } from 'node:assert';
import { app } from 'egg-mock/bootstrap';
import { listen, sleep, user } from '../messaging/support';
import { createText, groupHistory, joinGroup, makeGroup, removeMember, sendGroup } from './messageSupport';

const ROUNDS = 12;

/** The message ids queued in the user's inbox. */
async function inboxIds(uid: number): Promise<string[]> {
  const entries = await app.broker.read(uid, '0-0', 1000);
  return entries.filter(entry => entry.messageId).map(entry => entry.messageId!);
}

describe('group messages racing membership changes', function() {
  this.timeout(120000);
  const server = listen();

  it(`a message racing a join: the newcomer gets it if and only if its history shows it (${ROUNDS} rounds)`, async () => {
    const owner = await user('rowner01');
    const alice = await user('ralice01');
    const newcomers = await Promise.all(Array.from({ length: ROUNDS }, (_, i) => user(`rnew${String(i).padStart(4, '0')}`)));
    const group = await makeGroup(owner, [ alice ], 'race');
    const outcomes = { delivered: 0, notDelivered: 0 };
    for (const [ round, newcomer ] of newcomers.entries()) {
      // The join starts 0-11 ms after the send: sometimes first, sometimes behind it.
      const [ sent ] = await Promise.all([
        sendGroup(server.base, alice.token, group.id, `racing ${newcomer.username}`),
        sleep(round).then(() => joinGroup(group.id, newcomer)),
      ]);
      assert.equal(sent.status, 200, JSON.stringify(sent.body));
      const message = sent.body.data;
      const delivered = (await inboxIds(newcomer.id)).includes(message.id);
      const history = (await groupHistory(server.base, newcomer.token, group.id)).body.data.map((m: any) => m.id);
      assert.equal(history.includes(message.id), delivered, `seq ${message.seq}: delivered ${delivered}, in history ${!delivered}`);
      outcomes[delivered ? 'delivered' : 'notDelivered']++;
    }
    const seqs = (await groupHistory(server.base, owner.token, group.id, '&limit=100')).body.data.map((m: any) => m.seq);
    assert.deepEqual(seqs, Array.from({ length: 1 + 2 * ROUNDS }, (_, i) => 1 + 2 * ROUNDS - i), 'one seq per entry, no gap');
    assert.equal(outcomes.delivered + outcomes.notDelivered, ROUNDS);
  });

  it(`a message racing a removal: delivered or not, never in the removed member's history (${ROUNDS} rounds)`, async () => {
    const owner = await user('rowner02');
    const alice = await user('ralice02');
    const bob = await user('rbob0002');
    const group = await makeGroup(owner, [ alice, bob ], 'race2');
    for (let round = 0; round < ROUNDS; round++) {
      const [ sent ] = await Promise.all([ sendGroup(server.base, alice.token, group.id, `round ${round}`), removeMember(group.id, bob.id) ]);
      assert.equal(sent.status, 200, JSON.stringify(sent.body));
      const message = sent.body.data;
      assert.ok((await inboxIds(owner.id)).includes(message.id), 'the members who stay get it');
      assert.equal((await groupHistory(server.base, bob.token, group.id)).status, 403);
      const { joinSeq } = await joinGroup(group.id, bob);
      assert.ok(message.seq <= joinSeq, 'stored before the return: not in the history of the new membership');
      const history = (await groupHistory(server.base, bob.token, group.id)).body.data.map((m: any) => m.id);
      assert.ok(!history.includes(message.id));
    }
  });

  it('a send is not held up by a membership change in progress (an approval removing the request before it joins); the approval then goes on', async () => {
    const owner = await user('rowner03');
    const alice = await user('ralice03');
    const carol = await user('rcarol03');
    const group = await makeGroup(owner, [ alice ], 'race3');
    await app.model.query('INSERT INTO chat_group_user (group_id, user_id, nickname, avatar, status, `order`, apply_desc, join_seq, create_time, update_time) ' +
      'VALUES (:g, :u, \'\', \'\', 2, 50, \'\', 0, NOW(3), NOW(3))', { replacements: { g: group.id, u: carol.id } });
    const service = app.mockContext().service.groups.messages;
    const transaction = await app.model.transaction();
    try {
      const locked = (await app.repos.groups.lockGroup(group.id, transaction))!;
      await app.repos.groups.removeMembership(group.id, carol.id, transaction); // the request goes, uncommitted
      const started = Date.now();
      const sent = await sendGroup(server.base, alice.token, group.id, 'while the owner approves');
      assert.equal(sent.status, 200, JSON.stringify(sent.body));
      assert.ok(Date.now() - started < 1000, 'not waiting for the approval');
      const joinSeq = await service.joinSeq(group.id, transaction);
      assert.equal(joinSeq, sent.body.data.seq);
      await app.model.query('INSERT INTO chat_group_user (group_id, user_id, nickname, avatar, status, `order`, apply_desc, join_seq, create_time, update_time) ' +
        'VALUES (:g, :u, \'\', \'\', 1, 50, \'\', :s, NOW(3), NOW(3))', { replacements: { g: group.id, u: carol.id, s: joinSeq }, transaction });
      await service.storeNotice(transaction, locked, { id: owner.id, name: 'o', avatar: '' }, `[${carol.username}] 加入了群聊`);
      await transaction.commit();
    } catch (err) {
      await transaction.rollback();
      throw err;
    }
    const seen = (await groupHistory(server.base, carol.token, group.id)).body.data;
    assert.deepEqual(seen.map((m: any) => m.seq), [ 3 ]);
    assert.notEqual(seen[0].data.data, createText('race3'));
  });
});
