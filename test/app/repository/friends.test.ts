// app.repos.friends (app/repository/friends.ts) against the real MariaDB: what each method reads
// and writes, in the transactions the friends use cases pass it.
import { strict as assert } from 'node:assert';
import { app } from 'egg-mock/bootstrap';
import { lockingTransaction } from '../../../app/lib/lockedTransaction';
import { applicationRow, befriendBySql, execute, friendRow, plainUsers, query, setStanding } from '../friends/support';

const friends = () => app.repos.friends;
const userRow = async (id: number) =>
  (await query<{ nickname: string; avatar: string; invite_confirm: number; userset: string; update_time: Date }>(
    'SELECT nickname, avatar, invite_confirm, userset, update_time FROM `user` WHERE id = :id', { id }))[0];

describe('repository friends', () => {
  it('lockStandings: the standing of the ids that exist, with invite_confirm and create_time, ascending id', async () => {
    const [ a, b ] = await plainUsers([ 'alice01', 'bob0001' ]);
    await execute('UPDATE `user` SET invite_confirm = 0 WHERE id = :id', { id: b.id });
    await setStanding(a.id, { status: 0 });
    const rows = await lockingTransaction(app.model, transaction => friends().lockStandings([ a.id, b.id, b.id + 1000 ], transaction));
    assert.deepEqual(rows.map(row => [ row.id, row.status, row.is_deleted, row.role, row.invite_confirm ]),
      [[ a.id, 0, 0, 'user', 1 ], [ b.id, 1, 0, 'user', 0 ]]);
    assert.ok(rows.every(row => row.create_time instanceof Date));
  });

  it('saveFriendRows, existsFriendRow, listPairSides, removeFriendship: the pair\'s rows and applications', async () => {
    const [ a, b, c ] = await plainUsers([ 'alice01', 'bob0001', 'carol01' ]);
    await befriendBySql(a.id, [ c.id ]);
    await lockingTransaction(app.model, async transaction => {
      assert.deepEqual(await friends().listPairSides(a.id, b.id, transaction), [{ user_id: a.id, total: 1, has_row: 0 }]);
      await friends().saveFriendRows([{ owner: a.id, friend: b.id, remark: 'Bobby' }, { owner: b.id, friend: a.id, remark: '' }], '2026-01-02 03:04:05.678', transaction);
      await friends().saveApplication(b.id, a.id, 'hi', transaction);
      await friends().saveAgreedPending(a.id, b.id, '2026-01-02 03:04:05.678', transaction);
      assert.equal(await friends().existsFriendRow(a.id, b.id, transaction), true);
    });
    const mine = await friendRow(a.id, b.id);
    assert.equal(mine!.nickname, 'Bobby');
    assert.equal((mine as unknown as { update_time: Date }).update_time.toISOString(), '2026-01-02T03:04:05.678Z');
    assert.equal((await applicationRow(b.id, a.id))!.status, 'agree');

    await lockingTransaction(app.model, transaction => friends().removeFriendship(b.id, a.id, transaction));
    assert.equal(await friendRow(a.id, b.id), undefined);
    assert.equal(await friendRow(b.id, a.id), undefined);
    assert.equal(await applicationRow(b.id, a.id), undefined);
    assert.ok(await friendRow(a.id, c.id), 'other friendships stay');
    assert.equal(await lockingTransaction(app.model, transaction => friends().existsFriendRow(a.id, b.id, transaction)), false);
  });

  it('removeAllOf: every friendship and application of the users, both directions, nothing else', async () => {
    const [ a, b, c, d ] = await plainUsers([ 'alice01', 'bob0001', 'carol01', 'dave001' ]);
    await befriendBySql(a.id, [ b.id ]);
    await befriendBySql(c.id, [ d.id ]);
    await lockingTransaction(app.model, async transaction => {
      await friends().saveApplication(c.id, a.id, 'hi', transaction);
      await friends().saveApplication(b.id, d.id, 'hi', transaction);
      await friends().saveApplication(d.id, c.id, 'hi', transaction);
      await friends().removeAllOf([ a.id, b.id ], transaction);
    });
    const left = await query<{ user_id: number; friend_id: number }>('SELECT user_id, friend_id FROM goodfriend ORDER BY user_id');
    assert.deepEqual(left.map(row => [ row.user_id, row.friend_id ]), [[ c.id, d.id ], [ d.id, c.id ]]);
    const applications = await query<{ user_id: number; friend_id: number }>('SELECT user_id, friend_id FROM goodfriendapply');
    assert.deepEqual(applications.map(row => [ row.user_id, row.friend_id ]), [[ d.id, c.id ]]);
  });

  it('a new friend row starts blacklisted when its owner blocks the friend; saveBlock/removeBlock/existsBlock', async () => {
    const [ a, b ] = await plainUsers([ 'alice01', 'bob0001' ]);
    await lockingTransaction(app.model, async transaction => {
      await friends().saveBlock(a.id, b.id, transaction);
      await friends().saveBlock(a.id, b.id, transaction);
      assert.equal(await friends().existsBlock(a.id, b.id, transaction), true);
      assert.equal(await friends().existsBlock(b.id, a.id, transaction), false);
      await friends().saveFriendRows([{ owner: a.id, friend: b.id, remark: '' }, { owner: b.id, friend: a.id, remark: '' }], '2026-01-02 03:04:05.678', transaction);
    });
    assert.equal((await friendRow(a.id, b.id))!.isblack, 1);
    assert.equal((await friendRow(b.id, a.id))!.isblack, 0);
    await lockingTransaction(app.model, transaction => friends().removeBlock(a.id, b.id, transaction));
    assert.equal(await friends().existsBlock(a.id, b.id), false);
  });

  it('findApplyState: the pair\'s rows and both caps in one read', async () => {
    const [ a, b, c ] = await plainUsers([ 'alice01', 'bob0001', 'carol01' ]);
    await befriendBySql(a.id, [ c.id ]);
    await lockingTransaction(app.model, async transaction => {
      await friends().saveApplication(a.id, b.id, 'hello', transaction);
      await friends().saveApplication(c.id, b.id, 'hey', transaction);
      const state = await friends().findApplyState(a.id, b.id, transaction);
      assert.deepEqual({ ...state, mine_time: null }, {
        friends: 0, blocked: 0, mine_status: 'pending', mine_time: null, theirs_status: null, my_friends: 1, target_pending: 2,
      });
      assert.equal((await friends().findApplyState(a.id, c.id, transaction)).friends, 1);
      await friends().saveBlock(c.id, a.id, transaction);
      assert.equal((await friends().findApplyState(a.id, c.id, transaction)).blocked, 1);
      assert.equal(await friends().countNewPendingTo(b.id, '2000-01-01 00:00:00.000', transaction), 2);
      assert.equal(await friends().countNewPendingTo(b.id, '9999-12-31 23:59:59.999', transaction), 0);
    });
    assert.equal(await friends().countPendingTo(b.id), 2);
    const application = await applicationRow(a.id, b.id);
    assert.equal(await friends().findApplicantOf(application!.id, b.id), a.id);
    assert.equal(await friends().findApplicantOf(application!.id, c.id), null);
  });

  it('listCards: the names of the users that exist', async () => {
    const [ a ] = await plainUsers([{ username: 'alice01', nickname: 'Ally' }]);
    assert.deepEqual(await friends().listCards([ a.id, a.id + 1000 ]), [{ id: a.id, username: 'alice01', nickname: 'Ally', avatar: a.avatar }]);
  });

  it('saveProfileField and saveUserset write the column and update_time', async () => {
    const [ a, b ] = await plainUsers([ 'alice01', 'bob0001' ]);
    const before = await userRow(a.id);
    await friends().saveProfileField(a.id, 'nickname', 'Ally');
    await friends().saveProfileField(a.id, 'invite_confirm', 0);
    await friends().saveUserset(a.id, '{"x":1}');
    const after = await userRow(a.id);
    assert.deepEqual([ after.nickname, after.invite_confirm, after.userset ], [ 'Ally', 0, '{"x":1}' ]);
    assert.ok(after.update_time.getTime() >= before.update_time.getTime());
    assert.notEqual((await userRow(b.id)).nickname, 'Ally', 'only the given user');
  });
});
