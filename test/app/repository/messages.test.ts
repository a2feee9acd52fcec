// MessageRepository (app/repository/messages.ts) against the real MariaDB: the statements the
// messaging use cases run, through app.repos.messages.
import { strict as assert } from 'node:assert';
import { app } from 'egg-mock/bootstrap';
import { QueryTypes } from 'sequelize';
import { befriend, user } from '../messaging/support';

const draft = (from: { id: number; uuid: string }, to: { id: number }, type = 'text', data = '"hi"') => ({
  from_id: from.id, to_id: to.id, chat_type: 1, type, data, options: null,
  from_name: 'a', from_avatar: '', to_name: 'b', to_avatar: '', send_uuid: from.uuid, create_time: new Date('2026-12-06T10:00:00.123Z'),
});

/** The pair's conversation id, or null. */
async function conversationOf(x: number, y: number): Promise<string | null> {
  const [ row ] = await app.model.query<{ id: number | string }>('SELECT id FROM conversation WHERE user_a = :a AND user_b = :b',
    { type: QueryTypes.SELECT, replacements: { a: Math.min(x, y), b: Math.max(x, y) } });
  return row ? String(row.id) : null;
}

describe('MessageRepository (app.repos.messages)', () => {
  it('creates a pair\'s conversation once, locks it, stores messages in seq order and counts what each side sent', async () => {
    const a = await user('repo_a1');
    const b = await user('repo_b1');
    const repo = app.repos.messages;
    assert.equal(await conversationOf(b.id, a.id), null);
    const stored = await app.model.transaction(async transaction => {
      await repo.saveConversation(b.id, a.id, transaction);
      await repo.saveConversation(a.id, b.id, transaction); // a duplicate changes nothing
      const conversation = (await repo.lockConversation(b.id, a.id, transaction))!;
      assert.deepEqual([ conversation.user_a, conversation.user_b, conversation.last_seq ], [ Math.min(a.id, b.id), Math.max(a.id, b.id), 0 ]);
      const first = await repo.saveMessage(conversation, draft(a, b), transaction);
      const again = (await repo.lockConversation(a.id, b.id, transaction))!;
      const notice = await repo.saveMessage(again, draft(b, a, 'systemNotice', '{}'), transaction);
      return { conversation, first, notice };
    });
    assert.equal(await conversationOf(a.id, b.id), stored.conversation.id);
    assert.deepEqual([ stored.first.seq, stored.notice.seq ], [ 1, 2 ]);
    const after = await app.model.transaction(transaction => repo.lockConversation(a.id, b.id, transaction));
    const mine = a.id === after!.user_a ? after!.sent_a : after!.sent_b;
    const theirs = a.id === after!.user_a ? after!.sent_b : after!.sent_a;
    assert.deepEqual([ after!.last_seq, mine, theirs ], [ 2, 1, 0 ], 'a system notice is not counted as sent');
    const row = (await repo.findMessage(String(stored.first.id)))!;
    assert.equal(row.create_time.toISOString(), '2026-12-06T10:00:00.123Z', 'milliseconds kept');
    const [ first, notice ] = [ stored.first.id, stored.notice.id ].map(String);
    const keys = await repo.listHistoryKeys({ pair: [ b.id, a.id ] }, 4294967296, 10);
    assert.deepEqual(keys.map(key => key.id), [ notice, first ]);
    assert.deepEqual((await repo.listHistoryKeys({ pair: [ a.id, b.id ] }, 2, 10)).map(key => key.id), [ first ]);
    assert.deepEqual((await repo.listHistoryKeys({ pair: [ a.id, b.id ] }, 4294967296, 10, 1)).map(key => key.id), [ notice ], 'after a join_seq');
    assert.deepEqual(await repo.listHistoryKeys({ pair: [ a.id, a.id + b.id ] }, 4294967296, 10), [], 'no conversation');
    assert.deepEqual(await repo.listHistoryKeys({ group: 4294967295 }, 4294967296, 10), [], 'no group conversation');
    assert.notEqual(keys[0].digest, keys[1].digest);
    const digested = await repo.listDigestedMessages([ first, notice ]);
    assert.deepEqual(digested.map(row => [ row.id, row.digest ]).sort(), keys.map(key => [ key.id, key.digest ]).sort(), 'the same digests both ways');
    const found = await repo.listMessages([ String(stored.notice.id), String(stored.first.id), '999999999' ]);
    assert.deepEqual([ ...found.keys() ].sort(), [ stored.first.id, stored.notice.id ].map(String).sort());
  });

  it('revokes a message under its lock: content replaced, options cleared, revoke time kept to the millisecond', async () => {
    const a = await user('repo_a2');
    const b = await user('repo_b2');
    const repo = app.repos.messages;
    const message = await app.model.transaction(async transaction => {
      await repo.saveConversation(a.id, b.id, transaction);
      return repo.saveMessage((await repo.lockConversation(a.id, b.id, transaction))!, { ...draft(a, b), options: '{"x":1}' }, transaction);
    });
    const at = new Date('2026-12-06T10:01:02.345Z');
    await app.model.transaction(async transaction => {
      assert.equal((await repo.lockMessage(String(message.id), transaction))!.isremove, 0);
      await repo.saveRevoked(String(message.id), '"revoked"', at, transaction);
    });
    const row = (await repo.findMessage(String(message.id)))!;
    assert.deepEqual([ row.isremove, row.data, row.options, row.revoke_time!.toISOString() ], [ 1, '"revoked"', null, at.toISOString() ]);
  });

  it('reads both parties, their friendship both ways, blocks and the conversation in one statement', async () => {
    const a = await user('repo_a3');
    const b = await user('repo_b3');
    await befriend(a.id, b.id, { ab: 'bee' });
    const { users, links, blockers, conversationId } = await app.repos.messages.findParties(a.id, b.id);
    assert.deepEqual([ ...users.keys() ].sort(), [ a.id, b.id ].sort());
    assert.equal(users.get(a.id)!.uuid, a.uuid);
    assert.deepEqual(links.find(link => link.user_id === a.id), { user_id: a.id, friend_id: b.id, nickname: 'bee', isblack: 0, status: 1 });
    assert.equal(blockers.size, 0);
    assert.equal(conversationId, null);
  });
});
