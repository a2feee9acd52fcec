// app.repos.groups (app/repository/groups.ts) against the real MariaDB: what each statement reads
// and writes, in which order, and that the group lock makes a second transaction wait.
import { strict as assert } from 'node:assert';
import { randomUUID } from 'node:crypto';
import { app } from 'egg-mock/bootstrap';
import { lockingTransaction } from '../../../app/lib/lockedTransaction';
import type { NewMembership } from '../../../app/repository/groups';
import { execute, plainUsers, query } from '../friends/support';

const groups = () => app.repos.groups;

/** A group made by the repository: the owner first, then `others` in the order given. */
async function makeGroup(owner: number, others: number[], name = 'g'): Promise<number> {
  const members: NewMembership[] = [ owner, ...others ].map(user_id => ({ user_id, nickname: '', avatar: `av${user_id}`, invited_by: user_id === owner ? null : owner }));
  return lockingTransaction(app.model, transaction =>
    groups().saveNewGroup({ uuid: randomUUID(), user_id: owner, name, avatar: 'a,b', invite_confirm: 0 }, members, transaction));
}

const addApplicant = (groupId: number, userId: number) => execute(
  'INSERT INTO chat_group_user (group_id, user_id, status, apply_desc, create_time, update_time) VALUES (:groupId, :userId, 2, \'hi\', NOW(3), NOW(3))',
  { groupId, userId });

/** Transactions of this database now waiting for a row lock (other databases on the server are not ours). */
async function waitingHere(): Promise<number> {
  const [ row ] = await query<{ n: number }>(
    'SELECT COUNT(*) AS n FROM information_schema.INNODB_TRX t JOIN information_schema.PROCESSLIST p ON p.ID = t.trx_mysql_thread_id ' +
    "WHERE t.trx_state = 'LOCK WAIT' AND p.DB = DATABASE()");
  return Number(row.n);
}

/** Polls until the condition holds (no timing assertion; INNODB_TRX is refreshed every 0.1 s at most). */
async function until(condition: () => Promise<boolean>) {
  for (let i = 0; i < 100 && !await condition(); i++) await new Promise(resolve => setTimeout(resolve, 150));
  assert.ok(await condition(), 'condition never held');
}

describe('repository groups', () => {
  it('saveNewGroup: the group row, then one membership per member, owner first, others in the order given', async () => {
    const [ a, b, c ] = await plainUsers([ 'alice01', 'bob0001', 'carol01' ]);
    const id = await makeGroup(a.id, [ c.id, b.id ], '爱丽丝、carol01、bob0001');
    const group = await groups().findGroup(id);
    assert.deepEqual(
      { ...group, create_time: undefined, uuid: undefined },
      { id, user_id: a.id, name: '爱丽丝、carol01、bob0001', avatar: 'a,b', remark: '', invite_confirm: 0, status: 1, order: 50, create_time: undefined, uuid: undefined });
    assert.match(group!.uuid, /^[0-9a-f-]{36}$/);
    assert.ok(group!.create_time instanceof Date);
    const rows = await query<{ id: number; user_id: number; status: number; invited_by: number | null; join_seq: number; avatar: string }>(
      'SELECT id, user_id, status, invited_by, join_seq, avatar FROM chat_group_user WHERE group_id = :id ORDER BY id', { id });
    assert.deepEqual(rows.map(row => [ row.user_id, row.status, row.invited_by, row.join_seq, row.avatar ]),
      [[ a.id, 1, null, 0, `av${a.id}` ], [ c.id, 1, a.id, 0, `av${c.id}` ], [ b.id, 1, a.id, 0, `av${b.id}` ]]);
    assert.equal(await groups().findGroup(id + 1000), null);
  });

  it('a second membership of the same user is refused by the unique key', async () => {
    const [ a, b ] = await plainUsers([ 'alice01', 'bob0001' ]);
    const id = await makeGroup(a.id, [ b.id ]);
    await assert.rejects(addApplicant(id, b.id), /Duplicate entry|Validation error|unique/i);
  });

  it('findMembership, countMembers, listMembers, listMemberIds: members in join order, applicants apart, gone users left out of listMembers', async () => {
    const [ a, b, c, d, e ] = await plainUsers([ 'alice01', { username: 'bob0001', nickname: 'Bobby' }, { username: 'carol01', is_deleted: 1 }, 'dave001', { username: 'erin001', status: 0 }]);
    const id = await makeGroup(a.id, [ d.id, c.id, b.id, e.id ]);
    await addApplicant(id, 999999);
    const other = await makeGroup(b.id, [ a.id ]);

    assert.equal(await groups().countMembers(id), 5);
    assert.equal(await groups().countMembers(other), 2);
    assert.equal((await groups().findMembership(id, d.id))!.status, 1);
    const applicant = await groups().findMembership(id, 999999);
    assert.deepEqual([ applicant!.status, applicant!.apply_desc, applicant!.invited_by ], [ 2, 'hi', null ]);
    assert.equal(await groups().findMembership(id, 123456), null);

    const listed = await groups().listMembers(id, 500);
    assert.deepEqual(listed.map(row => row.user_id), [ a.id, d.id, b.id ]);
    assert.deepEqual(Object.keys(listed[0]).sort(), [
      'id', 'group_id', 'user_id', 'nickname', 'avatar', 'status', 'order', 'invited_by', 'apply_desc', 'join_seq', 'create_time',
      'username', 'user_avatar', 'user_nickname', 'role', 'uuid' ].sort());
    const bob = listed[2];
    assert.deepEqual([ bob.username, bob.user_nickname, bob.avatar, bob.role, bob.uuid ], [ 'bob0001', 'Bobby', `av${b.id}`, 'user', b.uuid ]);
    assert.deepEqual((await groups().listMembers(id, 2)).map(row => row.user_id), [ a.id, d.id ], 'at most limit, the first joined');

    assert.deepEqual(await groups().listMemberIds(id, 500), [ a.id, d.id, c.id, b.id, e.id ], 'every member, applicants not');
    assert.deepEqual(await groups().listMemberIds(id, 1), [ a.id ]);
  });

  it('listUserGroups: member rows of live groups only, newest group first, with the caller\'s membership; paged', async () => {
    const [ a, b ] = await plainUsers([ 'alice01', 'bob0001' ]);
    const g1 = await makeGroup(a.id, [ b.id ], 'one');
    const g2 = await makeGroup(b.id, [ a.id ], 'two');
    const banned = await makeGroup(a.id, [], 'banned');
    const applied = await makeGroup(b.id, [], 'applied');
    const g3 = await makeGroup(b.id, [ a.id ], 'three');
    await execute('UPDATE chat_group SET status = 0 WHERE id = :banned', { banned });
    await addApplicant(applied, a.id);
    await groups().saveMemberNickname(g2, a.id, 'A in two');

    const listed = await groups().listUserGroups(a.id, 0, 30);
    assert.deepEqual(listed.map(row => [ row.id, row.name, row.member_user_id, row.member_nickname ]),
      [[ g3, 'three', a.id, '' ], [ g2, 'two', a.id, 'A in two' ], [ g1, 'one', a.id, '' ]]);
    assert.equal(listed[0].member_avatar, `av${a.id}`);
    assert.deepEqual((await groups().listUserGroups(a.id, 1, 1)).map(row => row.id), [ g2 ]);
    assert.deepEqual(await groups().listUserGroups(a.id, 3, 30), []);
  });

  it('countOwnedGroups: the groups the user owns, any status', async () => {
    const [ a, b ] = await plainUsers([ 'alice01', 'bob0001' ]);
    assert.equal(await groups().countOwnedGroups(a.id), 0);
    await makeGroup(a.id, [ b.id ]);
    const banned = await makeGroup(a.id, []);
    await makeGroup(b.id, [ a.id ]);
    await execute('UPDATE chat_group SET status = 0 WHERE id = :banned', { banned });
    assert.equal(await groups().countOwnedGroups(a.id), 2);
    assert.equal(await groups().countOwnedGroups(b.id), 1);
  });

  it('saveGroupStatus: the status of one group (2 banned, 1 live), its update_time; a banned group leaves listUserGroups', async () => {
    const [ a, b ] = await plainUsers([ 'alice01', 'bob0001' ]);
    const id = await makeGroup(a.id, [ b.id ]);
    const other = await makeGroup(a.id, [ b.id ], 'other');
    await execute('UPDATE chat_group SET update_time = \'2020-01-01\'');
    assert.equal(await lockingTransaction(app.model, transaction => groups().saveGroupStatus(id, 2, transaction)), 1);
    assert.equal((await groups().findGroup(id))!.status, 2);
    assert.equal((await groups().findGroup(other))!.status, 1, 'other groups unchanged');
    const [ times ] = await query<{ t: Date }>('SELECT update_time AS t FROM chat_group WHERE id = :id', { id });
    assert.ok(times.t.getUTCFullYear() > 2020, 'update_time set');
    assert.deepEqual((await groups().listUserGroups(b.id, 0, 10)).map(row => row.id), [ other ]);
    assert.equal(await lockingTransaction(app.model, transaction => groups().saveGroupStatus(id, 1, transaction)), 1);
    assert.deepEqual((await groups().listUserGroups(b.id, 0, 10)).map(row => row.id), [ other, id ]);
    assert.equal(await lockingTransaction(app.model, transaction => groups().saveGroupStatus(id + 1000, 2, transaction)), 0);
  });

  it('saveGroupField and saveMemberNickname: one column of one row; a nickname only for a member', async () => {
    const [ a, b ] = await plainUsers([ 'alice01', 'bob0001' ]);
    const id = await makeGroup(a.id, [ b.id ]);
    const other = await makeGroup(a.id, [ b.id ], 'other');
    await execute('UPDATE chat_group SET update_time = \'2020-01-01\'');
    assert.equal(await groups().saveGroupField(id, 'name', '新名字'), 1);
    assert.equal(await groups().saveGroupField(id, 'remark', '公告\n\n第二行'), 1);
    assert.equal(await groups().saveGroupField(id, 'avatar', 'x,y'), 1);
    assert.equal(await groups().saveGroupField(id + 1000, 'name', 'none'), 0);
    const group = await groups().findGroup(id);
    assert.deepEqual([ group!.name, group!.remark, group!.avatar ], [ '新名字', '公告\n\n第二行', 'x,y' ]);
    assert.equal((await groups().findGroup(other))!.name, 'other', 'other groups unchanged');
    const [ times ] = await query<{ t: Date }>('SELECT update_time AS t FROM chat_group WHERE id = :id', { id });
    assert.ok(times.t.getUTCFullYear() > 2020, 'update_time set');

    assert.equal(await groups().saveMemberNickname(id, b.id, 'B'), 1);
    assert.equal((await groups().findMembership(id, b.id))!.nickname, 'B');
    assert.equal((await groups().findMembership(other, b.id))!.nickname, '');
    await addApplicant(id, 999999);
    assert.equal(await groups().saveMemberNickname(id, 999999, 'X'), 0, 'an applicant has no nickname');
  });

  it('removeMembership and removeGroup: one membership; the group with every membership and application, other groups kept', async () => {
    const [ a, b, c ] = await plainUsers([ 'alice01', 'bob0001', 'carol01' ]);
    const id = await makeGroup(a.id, [ b.id, c.id ]);
    const other = await makeGroup(b.id, [ a.id, c.id ]);
    await addApplicant(id, 999999);
    assert.equal(await lockingTransaction(app.model, transaction => groups().removeMembership(id, c.id, transaction)), 1);
    assert.equal(await groups().findMembership(id, c.id), null);
    assert.equal(await groups().countMembers(id), 2);
    assert.equal(await lockingTransaction(app.model, transaction => groups().removeMembership(id, c.id, transaction)), 0);

    assert.equal(await lockingTransaction(app.model, transaction => groups().removeGroup(id, transaction)), 1);
    assert.equal(await groups().findGroup(id), null);
    assert.deepEqual(await query('SELECT id FROM chat_group_user WHERE group_id = :id', { id }), []);
    assert.equal(await groups().countMembers(other), 3, 'other groups untouched');
    assert.equal(await lockingTransaction(app.model, transaction => groups().removeGroup(id, transaction)), 0);
  });

  it('lockGroup: a second transaction locking the same group waits for the first, then reads what it committed', async () => {
    const [ a, b ] = await plainUsers([ 'alice01', 'bob0001' ]);
    const id = await makeGroup(a.id, [ b.id ], 'before');
    const unrelated = await makeGroup(b.id, [], 'unrelated');
    const holder = await app.model.transaction();
    let second: Promise<string | undefined> | undefined;
    try {
      assert.equal((await groups().lockGroup(id, holder))!.name, 'before');
      await groups().saveGroupField(id, 'name', 'after', holder);
      let settled = false;
      second = lockingTransaction(app.model, async transaction => (await groups().lockGroup(id, transaction))?.name);
      second.then(() => { settled = true; }, () => { settled = true; });
      await until(async () => await waitingHere() === 1);
      assert.equal(settled, false, 'the second transaction waits');
      // Another group's lock is free meanwhile.
      assert.equal(await lockingTransaction(app.model, async transaction => (await groups().lockGroup(unrelated, transaction))!.name), 'unrelated');
      await holder.commit();
    } catch (err) {
      await holder.rollback().catch(() => undefined);
      throw err;
    }
    assert.equal(await second, 'after');
    assert.equal(await lockingTransaction(app.model, transaction => groups().lockGroup(id + 1000, transaction)), null);
  });
});
