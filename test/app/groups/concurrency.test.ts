// CONTRACT-groups §A "Edge cases": parallel joins, GROUP_MAX_MEMBERS under concurrency, double
// approvals, joins racing a dismissal; then a randomized interleaving of every membership change
// checked against the invariants (property-based, fast-check).
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { app, mm } from 'egg-mock/bootstrap';
import { assertOk } from '../../helpers';
import { addMembers, befriend, circle, createGroup, groupRow, listen, memberships, query, routes, setInviteConfirm, user, User } from './support';

describe('groups: concurrency', () => {
  const server = listen();
  const { post } = routes(server);
  const join = (who: User, id: number) => post('groupInviteUser', who, { group_id: id, user_id: who.id, inviteuser_id: -1 });
  const statuses = (answers: Array<{ status: number }>) => answers.map(a => a.status).sort();

  it('parallel self-joins of one user: one 200, the rest 409; one row (member or applicant)', async () => {
    const [ owner, a ] = await circle([ 'owner01', 'member1' ]);
    const id = await createGroup(server, owner, [ a ]);
    const u = await user('joiner01');
    for (const [ mode, conflict ] of [[ 0, '用户已经在群里' ], [ 1, '已申请加入群聊，正在等待群主同意' ]] as const) {
      await setInviteConfirm(id, mode);
      await app.model.query('DELETE FROM chat_group_user WHERE user_id = :id', { replacements: { id: u.id } });
      const answers = await Promise.all(Array.from({ length: 8 }, () => join(u, id)));
      assert.deepEqual(statuses(answers), [ 200, 409, 409, 409, 409, 409, 409, 409 ]);
      for (const answer of answers.filter(a => a.status === 409)) assert.equal(answer.body.data, conflict);
      assert.equal((await memberships(id)).filter(row => row.user_id === u.id).length, 1);
    }
  });

  it('GROUP_MAX_MEMBERS holds under parallel joins and approvals', async () => {
    mm(app.config.im.groups, 'maxMembers', 5);
    const [ owner, a ] = await circle([ 'owner01', 'member1' ]);
    const id = await createGroup(server, owner, [ a ]);
    const joiners: User[] = [];
    for (let i = 0; i < 10; i++) joiners.push(await user(`joiner${String(i).padStart(2, '0')}`));
    const answers = await Promise.all(joiners.map(u => join(u, id)));
    assert.deepEqual(statuses(answers), [ ...Array(3).fill(200), ...Array(7).fill(409) ]);
    assert.equal((await memberships(id)).filter(row => row.status === 1).length, 5);
    // Approvals in parallel: free two places, then ten requests race for them.
    await app.model.query('DELETE FROM chat_group_user WHERE group_id = :id AND user_id IN (:ids)', { replacements: { id, ids: joiners.map(j => j.id) } });
    await addMembers(id, joiners.map(j => j.id), 2);
    const [ x, y ] = [ await user('extra001'), await user('extra002') ];
    await addMembers(id, [ x.id, y.id ]);
    const approvals = await Promise.all(joiners.map(u => post('groupAgreeOrNo', owner, { group_id: id, user_id: u.id, type: 'agree' })));
    assert.deepEqual(statuses(approvals), [ ...Array(1).fill(200), ...Array(9).fill(409) ]);
    assert.equal((await memberships(id)).filter(row => row.status === 1).length, 5);
  });

  it('a double approval: 200 then 404, one member row', async () => {
    const [ owner, a ] = await circle([ 'owner01', 'member1' ]);
    const id = await createGroup(server, owner, [ a ]);
    await setInviteConfirm(id, 1);
    const u = await user('joiner01');
    assertOk(await join(u, id));
    const answers = await Promise.all(Array.from({ length: 4 }, () => post('groupAgreeOrNo', owner, { group_id: id, user_id: u.id, type: 'agree' })));
    assert.deepEqual(statuses(answers), [ 200, 404, 404, 404 ]);
    assert.deepEqual((await memberships(id)).filter(row => row.user_id === u.id).map(row => row.status), [ 1 ]);
  });

  it('joins racing a dismissal: each 200 (before it) or 404 (after it); no row left behind', async () => {
    for (let round = 0; round < 3; round++) {
      const [ owner, a ] = await circle([ `owner0${round}`, `member${round}` ]);
      const id = await createGroup(server, owner, [ a ]);
      const joiners: User[] = [];
      for (let i = 0; i < 6; i++) joiners.push(await user(`j${round}x${String(i).padStart(5, '0')}`));
      const [ dismissal, ...answers ] = await Promise.all([ post('groupDeleteOrQuit', owner, { id }), ...joiners.map(u => join(u, id)) ]);
      assert.equal(dismissal.status, 200);
      for (const answer of answers) assert.ok([ 200, 404 ].includes(answer.status), JSON.stringify(answer.body));
      assert.ok(answers.filter(answer => answer.status === 404).every(answer => answer.body.data === '群不存在或被封禁'));
      assert.equal(await groupRow(id), undefined);
      assert.deepEqual(await memberships(id), []);
    }
  });

  it('a randomized interleaving of join, invite, agree, no, quit, remove, transfer and dismissal keeps the invariants', async () => {
    const MAX = 5;
    mm(app.config.im.groups, 'maxMembers', MAX);
    mm(app.config.im.groups, 'joinLimit', 100000);
    mm(app.config.im.groups, 'createLimit', 100000);
    const names = [ 'owner01', 'user0001', 'user0002', 'user0003', 'user0004', 'user0005', 'user0006', 'user0007' ];
    const people = await circle(names);
    // Everyone is everyone's friend, so any member may invite anyone.
    for (const [ i, p ] of people.entries()) for (const q of people.slice(i + 1)) if (i > 0) await befriend(p.id, q.id);
    const op = fc.record({
      kind: fc.constantFrom('join', 'invite', 'agree', 'no', 'quit', 'remove', 'transfer', 'setting', 'dismiss'),
      actor: fc.nat(people.length - 1),
      target: fc.nat(people.length - 1),
      mode: fc.nat(2),
    });
    let checks = 0;
    await fc.assert(fc.asyncProperty(fc.array(fc.array(op, { minLength: 2, maxLength: 5 }), { minLength: 3, maxLength: 6 }), async batches => {
      await app.model.query('DELETE FROM chat_group_user');
      await app.model.query('DELETE FROM chat_group');
      const groupId = await createGroup(server, people[0], [ people[1] ]);
      for (const batch of batches) {
        const answers = await Promise.all(batch.map(({ kind, actor, target, mode }) => {
          const a = people[actor];
          const t = people[target];
          switch (kind) {
            case 'join': return join(a, groupId);
            case 'invite': return post('groupInviteUser', a, { group_id: groupId, user_id: t.id });
            case 'agree': case 'no': return post('groupAgreeOrNo', a, { group_id: groupId, user_id: t.id, type: kind });
            case 'quit': return post('groupDeleteOrQuit', a, { id: groupId });
            case 'remove': return post('groupDeleteUser', a, { group_id: groupId, user_id: t.id });
            case 'transfer': return post('groupTransfer', a, { id: groupId, user_id: t.id });
            case 'setting': return post('groupAddUserSet', a, { group_id: groupId, addGroupSet: mode });
            default: return post('groupDeleteOrQuit', people[0], { id: groupId }); // only the first owner's dismissal counts
          }
        }));
        for (const answer of answers) assert.ok(answer.status < 500 && answer.status !== 401, `${answer.status} ${JSON.stringify(answer.body)}`);
        const group = await groupRow(groupId);
        const rows = await memberships(groupId);
        if (!group) {
          assert.deepEqual(rows, [], 'a dismissed group keeps no membership');
          continue;
        }
        const members = rows.filter(row => row.status === 1);
        assert.ok(members.some(row => row.user_id === group.user_id), 'the owner is a member');
        assert.ok(members.length <= MAX, `${members.length} members`);
        assert.equal(new Set(rows.map(row => row.user_id)).size, rows.length, 'one row per pair');
        const avatars = await query<{ avatar: string }>(
          'SELECT u.avatar FROM chat_group_user m JOIN `user` u ON u.id = m.user_id WHERE m.group_id = :groupId AND m.status = 1 ORDER BY m.id LIMIT 9', { groupId });
        assert.equal(group.avatar, avatars.map(row => row.avatar).join(','), 'the group avatar follows the members');
        checks++;
      }
    }), { numRuns: 12 });
    assert.ok(checks > 10);
  });
});
