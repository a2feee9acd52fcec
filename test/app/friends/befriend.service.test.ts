// ctx.service.friends.friendship.befriend: the one write path of friendships, as other domains
// (autoAddFriendAndAgree) call it.
import { strict as assert } from 'node:assert';
import { app, mock } from 'egg-mock/bootstrap';
import { ConflictError } from '../../../app/lib/errors';
import { lockingTransaction } from '../../../app/lib/lockedTransaction';
import { apply, applicationRow, execute, friendRow, members, pairRowCount, query } from './support';
import { assertOk } from '../../helpers';

const friendship = () => app.mockContext().service.friends.friendship;
const infoRows = async () => (await query('SELECT user_id FROM user_info')).length;

describe('service friends.friendship.befriend', () => {
  it('opens its own transaction: both rows (remarks as given), pending applications both ways agreed', async () => {
    const [ a, b ] = await members([ 'alice01', 'bob0001' ]);
    assertOk(await apply(b, a.id));
    const result = await friendship().befriend({ userId: a.id, friendId: b.id, remark: 'Bobby', friendRemark: 'Ally' });
    assert.deepEqual(result, { rowsCreated: 2, result: undefined });
    assert.equal((await friendRow(a.id, b.id))!.nickname, 'Bobby');
    assert.equal((await friendRow(b.id, a.id))!.nickname, 'Ally');
    assert.equal((await applicationRow(b.id, a.id))!.status, 'agree');
    assert.equal(await applicationRow(a.id, b.id), undefined);
  });

  it('runs `within` in the same transaction: its writes commit with the friendship, or everything rolls back', async () => {
    const [ a, b, c ] = await members([ 'alice01', 'bob0001', 'carol01' ]);
    const done = await friendship().befriend({ userId: a.id, friendId: b.id }, {
      within: async transaction => {
        await app.model.query('INSERT INTO user_info (user_id, create_time, update_time) VALUES (:id, NOW(3), NOW(3))', { replacements: { id: a.id }, transaction });
        return 'stored';
      },
    });
    assert.deepEqual(done, { rowsCreated: 2, result: 'stored' });
    assert.equal(await infoRows(), 1);
    await assert.rejects(friendship().befriend({ userId: a.id, friendId: c.id }, {
      within: async transaction => {
        await app.model.query('INSERT INTO user_info (user_id, create_time, update_time) VALUES (:id, NOW(3), NOW(3))', { replacements: { id: c.id }, transaction });
        throw new Error('notice could not be stored');
      },
    }), /notice could not be stored/);
    assert.equal(await pairRowCount(a.id, c.id), 0);
    assert.equal(await infoRows(), 1);
  });

  it('joins a caller\'s lockingTransaction(): nothing is kept when the caller rolls back', async () => {
    const [ a, b ] = await members([ 'alice01', 'bob0001' ]);
    await assert.rejects(lockingTransaction(app.model, async transaction => {
      await friendship().befriend({ userId: a.id, friendId: b.id }, { transaction });
      assert.equal((await query('SELECT id FROM goodfriend')).length, 0, 'not visible outside before the commit');
      throw new Error('caller failed');
    }), /caller failed/);
    assert.equal(await pairRowCount(a.id, b.id), 0);
    await lockingTransaction(app.model, transaction => friendship().befriend({ userId: a.id, friendId: b.id }, { transaction }));
    assert.equal(await pairRowCount(a.id, b.id), 2);
  });

  it('refuses a transaction not opened by lockingTransaction()', async () => {
    const [ a, b ] = await members([ 'alice01', 'bob0001' ]);
    await assert.rejects(app.model.transaction(transaction => friendship().befriend({ userId: a.id, friendId: b.id }, { transaction })),
      /lockingTransaction/);
    assert.equal(await pairRowCount(a.id, b.id), 0);
  });

  it('applicationNote: userId\'s own application stored as agree (created, or an existing one updated in place)', async () => {
    const [ a, b, c ] = await members([ 'alice01', 'bob0001', 'carol01' ]);
    await friendship().befriend({ userId: a.id, friendId: b.id, applicationNote: 'hi b' });
    assert.deepEqual([ (await applicationRow(a.id, b.id))!.status, (await applicationRow(a.id, b.id))!.nickname ], [ 'agree', 'hi b' ]);
    await execute(`INSERT INTO goodfriendapply (user_id, friend_id, nickname, status, create_time, update_time)
      VALUES (:a, :c, 'old', 'refuse', NOW(3), NOW(3))`, { a: a.id, c: c.id });
    const before = (await applicationRow(a.id, c.id))!.id;
    await friendship().befriend({ userId: a.id, friendId: c.id, applicationNote: 'hi c' });
    const after = (await applicationRow(a.id, c.id))!;
    assert.deepEqual([ after.id, after.status, after.nickname ], [ before, 'agree', 'hi c' ]);
  });

  it('inserts only the missing rows; already friends: nothing changes', async () => {
    const [ a, b ] = await members([ 'alice01', 'bob0001' ]);
    await execute("INSERT INTO goodfriend (user_id, friend_id, nickname, create_time, update_time) VALUES (:b, :a, 'kept', NOW(3), NOW(3))", { a: a.id, b: b.id });
    assert.equal((await friendship().befriend({ userId: a.id, friendId: b.id, friendRemark: 'new' })).rowsCreated, 1);
    assert.equal((await friendRow(b.id, a.id))!.nickname, 'kept');
    assert.equal((await friendship().befriend({ userId: a.id, friendId: b.id })).rowsCreated, 0);
  });

  it('FRIEND_MAX: a ConflictError naming the side that is full, only for sides that get a row', async () => {
    mock(app.config.im.friends, 'max', 1);
    const [ a, b, c, d ] = await members([ 'alice01', 'bob0001', 'carol01', 'dave001' ]);
    await friendship().befriend({ userId: a.id, friendId: b.id });
    const full = (key: string) => (err: unknown) => err instanceof ConflictError && err.key === key;
    await assert.rejects(friendship().befriend({ userId: a.id, friendId: c.id }), full('friends.friendLimit'));
    await assert.rejects(friendship().befriend({ userId: c.id, friendId: a.id }), full('friends.friendLimitOther'));
    await assert.rejects(friendship().befriend({ userId: c.id, friendId: b.id }), full('friends.friendLimitOther'));
    assert.equal((await friendship().befriend({ userId: b.id, friendId: a.id })).rowsCreated, 0, 'existing rows need no room');
    await friendship().befriend({ userId: c.id, friendId: d.id });
    assert.equal(await pairRowCount(a.id, c.id) + await pairRowCount(b.id, c.id), 0);
  });
});
