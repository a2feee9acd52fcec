// Issue 16 item 1: a block is the blocker's, not the friendship's (README "Friends", blacklist).
import { strict as assert } from 'node:assert';
import { app } from 'egg-mock/bootstrap';
import { assertFail, assertOk } from '../../helpers';
import { apply, applicationRow, befriendByApi, execute, friendRow, handle, Member, members, post, query } from './support';

const BLACKLISTED = '对方把你拉黑了，不能发送消息';

const send = (from: Member, to: number, text = 'hi') => post('/api/chat/socket/sendmessage', from.token,
  { sendto_id: to, chatType: 'single', type: 'text', data: { data: text, dataType: false, otherData: null } });
const autoAdd = (from: Member, to: number) => post('/api/chat/autoAddFriendAndAgree', from.token, { friend_id: to });
const black = (by: Member, id: number, isblack?: number) => post(`/api/chat/setblackgoodfriend/${id}`, by.token, isblack === undefined ? {} : { isblack });

/** The helper other domains (group invites) use. */
async function isBlockedBy(blocker: number, target: number): Promise<boolean> {
  return app.mockContext().service.friends.block.isBlockedBy(blocker, target);
}

async function blocks(blocker: number) {
  return (await query<{ blocked_id: number }>('SELECT blocked_id FROM user_block WHERE blocker_id = :blocker', { blocker })).map(r => r.blocked_id);
}

/** A and B friends; B lets anyone message and add them; B blocks A. */
async function blockedFriends() {
  const [ a, b ] = await members([ 'alice01', 'bob0001' ]);
  await befriendByApi(a, b);
  // B's settings would let A in as a stranger (any number of messages, added without review).
  await execute('UPDATE `user` SET invite_confirm = 0, userset = :userset WHERE id = :b', {
    b: b.id, userset: JSON.stringify({ chatset: { visitor: { sendCount: 2, needFollow: false }, user: { sendCount: 2, needFollow: false } } }),
  });
  assertOk(await black(b, a.id, 1));
  assertFail(await send(a, b.id), 403, BLACKLISTED);
  return { a, b };
}

async function assertRefused(a: Member, b: Member) {
  assert.equal(await isBlockedBy(b.id, a.id), true);
  assertFail(await send(a, b.id), 403, BLACKLISTED);
  assertFail(await apply(a, b.id), 403, BLACKLISTED);
  assertFail(await autoAdd(a, b.id), 403, BLACKLISTED);
  assert.equal(await applicationRow(a.id, b.id), undefined);
  assert.equal(await friendRow(a.id, b.id), undefined);
}

describe('blocks: B blocks A', () => {
  it('survives A deleting the friendship: messages, applications and auto-adds from A stay refused (403)', async () => {
    const { a, b } = await blockedFriends();
    assertOk(await post(`/api/chat/deletegoodfriend/${b.id}`, a.token));
    await assertRefused(a, b);
    // B may still write to A.
    assertOk(await send(b, a.id));
  });

  it('survives B deleting the friendship', async () => {
    const { a, b } = await blockedFriends();
    assertOk(await post(`/api/chat/deletegoodfriend/${a.id}`, b.token));
    await assertRefused(a, b);
  });

  it('only B lifts it, with or without a friendship; A\'s setblackgoodfriend touches only A\'s own blocks', async () => {
    const { a, b } = await blockedFriends();
    assertOk(await post(`/api/chat/deletegoodfriend/${b.id}`, a.token));
    assertOk(await black(a, b.id, 0));
    await assertRefused(a, b);
    assertOk(await black(b, a.id, 0));
    assert.equal(await isBlockedBy(b.id, a.id), false);
    assertOk(await send(a, b.id));
    assertOk(await apply(a, b.id));
  });

  it('B befriending A again does not lift it: B\'s row shows isblack 1 and A stays refused', async () => {
    const { a, b } = await blockedFriends();
    assertOk(await post(`/api/chat/deletegoodfriend/${b.id}`, a.token));
    assertOk(await apply(b, a.id));
    assertOk(await handle(a, (await applicationRow(b.id, a.id))!.id, 'agree'));
    assert.equal((await friendRow(b.id, a.id))!.isblack, 1);
    assert.equal((await friendRow(a.id, b.id))!.isblack, 0);
    assertFail(await send(a, b.id), 403, BLACKLISTED);
    // Lifting it on the friendship: the row follows.
    assertOk(await black(b, a.id));
    assert.equal((await friendRow(b.id, a.id))!.isblack, 0);
    assertOk(await send(a, b.id));
  });

  it('blocking withdraws B\'s pending application to A: A can neither agree to it nor have it auto-agreed', async () => {
    const [ a, b ] = await members([ 'alice01', 'bob0001' ]);
    assertOk(await apply(b, a.id));
    const { id } = (await applicationRow(b.id, a.id))!;
    assertOk(await black(b, a.id, 1));
    assert.equal(await applicationRow(b.id, a.id), undefined);
    assertFail(await handle(a, id, 'agree'), 404, '申请不存在或已处理');
    assertFail(await apply(a, b.id), 403, BLACKLISTED);
    assert.equal(await friendRow(a.id, b.id), undefined);
  });

  it('blocking a stranger is allowed (a flip too); 404 for myself, a missing or a gone user; a block on a gone user can be lifted', async () => {
    const [ a, b, c ] = await members([ 'alice01', 'bob0001', 'carol01' ]);
    assertOk(await black(b, a.id));
    assert.deepEqual(await blocks(b.id), [ a.id ]);
    assertFail(await send(a, b.id), 403, BLACKLISTED);
    assertOk(await black(b, a.id, 1)); // idempotent
    assert.deepEqual(await blocks(b.id), [ a.id ]);
    assertOk(await black(b, a.id));
    assert.deepEqual(await blocks(b.id), []);
    assertFail(await black(b, b.id, 1), 404, '好友不存在');
    assertFail(await black(b, 999999, 1), 404, '好友不存在');
    assertOk(await black(b, c.id, 1));
    await execute('UPDATE `user` SET status = 0 WHERE id = :c', { c: c.id });
    assertFail(await black(b, c.id, 1), 404, '好友不存在');
    assertOk(await black(b, c.id, 0));
    assert.deepEqual(await blocks(b.id), []);
    assertFail(await black(b, c.id, 0), 404, '好友不存在');
  });
});
