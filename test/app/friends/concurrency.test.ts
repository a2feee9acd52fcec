// Real concurrent requests (the test server keeps listening, so a burst shares no connection)
// against the real MariaDB: the pair invariants hold whatever runs at the same time.
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { app, mock } from 'egg-mock/bootstrap';
import { assertOk, resetData } from '../../helpers';
import { keepTestServerListening } from '../hardening/support';
import { apply, applicationRow, befriendBySql, friendRow, handle, Member, members, pairRowCount, post, query } from './support';

type Answer = { status: number; body: { msg: string; data: unknown } };

const statuses = (answers: Answer[]) => answers.map(res => res.status).sort();
const texts = (answers: Answer[]) => answers.filter(res => res.status !== 200).map(res => res.body.data);

/** The invariants of the pairs among `users` (CONTRACT friends, Concurrency). */
async function assertPairInvariants(users: Member[], max: number) {
  const rows = await query<{ user_id: number; friend_id: number; isblack: number }>('SELECT user_id, friend_id, isblack FROM goodfriend');
  const blocks = await query<{ blocker_id: number; blocked_id: number }>('SELECT blocker_id, blocked_id FROM user_block');
  // A row's isblack is its owner's block, kept in step (README "Friends", blocks).
  for (const row of rows) {
    const blocked = blocks.some(b => b.blocker_id === row.user_id && b.blocked_id === row.friend_id);
    assert.equal(row.isblack, blocked ? 1 : 0, `row ${row.user_id}→${row.friend_id} isblack out of step with user_block`);
  }
  const applications = await query<{ user_id: number; friend_id: number; status: string }>('SELECT user_id, friend_id, status FROM goodfriendapply');
  const has = (a: number, b: number) => rows.some(r => r.user_id === a && r.friend_id === b);
  const pending = (a: number, b: number) => applications.some(r => r.user_id === a && r.friend_id === b && r.status === 'pending');
  for (const a of users) {
    const count = rows.filter(r => r.user_id === a.id).length;
    assert.ok(count <= max, `user ${a.id} has ${count} friends, more than FRIEND_MAX ${max}`);
    for (const b of users) {
      if (a.id >= b.id) continue;
      assert.equal(has(a.id, b.id), has(b.id, a.id), `pair ${a.id}/${b.id} has one row`);
      if (has(a.id, b.id)) assert.ok(!pending(a.id, b.id) && !pending(b.id, a.id), `friends ${a.id}/${b.id} with a pending application`);
      else assert.ok(!(pending(a.id, b.id) && pending(b.id, a.id)), `pair ${a.id}/${b.id} with two crossed pending applications`);
    }
  }
  const pairs = new Set(rows.map(r => `${r.user_id}/${r.friend_id}`));
  assert.equal(pairs.size, rows.length, 'duplicate goodfriend rows');
}

describe('friends under concurrency (real concurrent requests)', () => {
  keepTestServerListening();

  it('A→B and B→A at the same moment: both 200, friends with exactly 2 rows and one agreed application', async () => {
    for (let round = 0; round < 5; round++) {
      const [ a, b ] = await members([ `cross${round}a`, `cross${round}b` ]);
      const answers = await Promise.all([ apply(a, b.id), apply(b, a.id) ]);
      assert.deepEqual(statuses(answers), [ 200, 200 ], JSON.stringify(texts(answers)));
      assert.equal(await pairRowCount(a.id, b.id), 2);
      const applications = await query<{ status: string }>('SELECT status FROM goodfriendapply WHERE user_id IN (:ids)', { ids: [ a.id, b.id ] });
      assert.deepEqual(applications.map(row => row.status), [ 'agree' ]);
    }
  });

  it('20 applies of one pair at once: one application, the others 409', async () => {
    const [ a, b ] = await members([ 'alice01', 'bob0001' ]);
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => apply(a, b.id, { nickname: `try ${i}` })));
    assert.deepEqual(statuses(answers), [ 200, ...Array(19).fill(409) ]);
    assert.deepEqual(new Set(texts(answers)), new Set([ '您已经申请过了，请勿重复申请' ]));
    const [{ n }] = await query<{ n: number }>('SELECT COUNT(*) AS n FROM goodfriendapply');
    assert.equal(Number(n), 1);
  });

  it('two agrees of one application (and agree against refuse): one 200, one 409', async () => {
    for (const second of [ 'agree', 'refuse', 'ignore' ]) {
      await resetData(app);
      const [ me, a ] = await members([ 'me000001', 'alice01' ]);
      assertOk(await apply(a, me.id));
      const { id } = (await applicationRow(a.id, me.id))!;
      const answers = await Promise.all([ handle(me, id, 'agree'), handle(me, id, second) ]);
      assert.deepEqual(statuses(answers), [ 200, 409 ], `agree + ${second}`);
      assert.deepEqual(texts(answers), [ '申请不存在或已处理' ]);
      const friends = await pairRowCount(me.id, a.id);
      assert.ok(friends === 0 || friends === 2);
      assert.equal(friends === 2, (await applicationRow(a.id, me.id))!.status === 'agree');
    }
  });

  it('mutual delete at once: one 200, one 404, no rows left', async () => {
    for (let round = 0; round < 3; round++) {
      const [ a, b ] = await members([ `del${round}a`, `del${round}b` ]);
      await befriendBySql(a.id, [ b.id ]);
      const answers = await Promise.all([ post(`/api/chat/deletegoodfriend/${b.id}`, a.token), post(`/api/chat/deletegoodfriend/${a.id}`, b.token) ]);
      assert.deepEqual(statuses(answers), [ 200, 404 ]);
      assert.equal(await pairRowCount(a.id, b.id), 0);
    }
  });

  it('FRIEND_MAX is never exceeded: many agrees at once, on either side of the cap', async () => {
    mock(app.config.im.friends, 'max', 3);
    const [ hub, f1, f2, ...applicants ] = await members([ 'hub00001', 'friend1', 'friend2', ...Array.from({ length: 6 }, (_, i) => `appl${i}000`) ]);
    await befriendBySql(hub.id, [ f1.id, f2.id ]);
    for (const user of applicants) assertOk(await apply(user, hub.id));
    const ids = await Promise.all(applicants.map(async user => (await applicationRow(user.id, hub.id))!.id));
    const answers = await Promise.all(ids.map(id => handle(hub, id, 'agree')));
    assert.deepEqual(statuses(answers), [ 200, 409, 409, 409, 409, 409 ]);
    assert.deepEqual(new Set(texts(answers)), new Set([ '好友数量已达上限' ]));
    const [{ n }] = await query<{ n: number }>('SELECT COUNT(*) AS n FROM goodfriend WHERE user_id = :hub', { hub: hub.id });
    assert.equal(Number(n), 3);

    // The applicant's side: one user with room for one more, applying to many who agree at once.
    await resetData(app);
    const [ busy, g1, g2, ...targets ] = await members([ 'busy0001', 'gfriend1', 'gfriend2', ...Array.from({ length: 5 }, (_, i) => `targ${i}000`) ]);
    await befriendBySql(busy.id, [ g1.id, g2.id ]);
    for (const target of targets) assertOk(await apply(busy, target.id));
    const agrees = await Promise.all(targets.map(async target => handle(target, (await applicationRow(busy.id, target.id))!.id, 'agree')));
    assert.deepEqual(statuses(agrees), [ 200, 409, 409, 409, 409 ]);
    assert.deepEqual(new Set(texts(agrees)), new Set([ '对方好友数量已达上限' ]));
    await assertPairInvariants([ busy, g1, g2, ...targets ], 3);
  });

  it('toggles are atomic: two flips at once cancel out, both 200', async () => {
    const [ a, b ] = await members([ 'alice01', 'bob0001' ]);
    await befriendBySql(a.id, [ b.id ]);
    for (const path of [ 'setblackgoodfriend', 'setstargoodfriend', 'setblackgoodfriend', 'setstargoodfriend' ]) {
      const answers = await Promise.all([ post(`/api/chat/${path}/${b.id}`, a.token), post(`/api/chat/${path}/${b.id}`, a.token) ]);
      assert.deepEqual(statuses(answers), [ 200, 200 ], JSON.stringify(texts(answers)));
      const row = (await friendRow(a.id, b.id))!;
      assert.deepEqual([ row.isblack, row.ismystarfriend ], [ 0, 0 ], path);
    }
  });

  it('randomized interleavings of apply/agree/refuse/ignore/delete/blacklist keep the pair invariants', async () => {
    const MAX = 2;
    const USERS = 4;
    const operation = fc.record({
      kind: fc.constantFrom('apply', 'apply', 'agree', 'agree', 'refuse', 'ignore', 'delete', 'black'),
      actor: fc.nat(USERS - 1),
      other: fc.nat(USERS - 2),
    });
    const batches = fc.array(fc.array(operation, { minLength: 2, maxLength: 6 }), { minLength: 3, maxLength: 8 });
    await fc.assert(fc.asyncProperty(batches, async plan => {
      await resetData(app);
      mock(app.config.im.friends, 'max', MAX);
      mock(app.config.im.friends, 'reapplyCooldown', 0);
      const users = await members(Array.from({ length: USERS }, (_, i) => `rand${i}000`));
      for (const batch of plan) {
        const requests = await Promise.all(batch.map(async ({ kind, actor, other }) => {
          const me = users[actor];
          const them = users[other >= actor ? other + 1 : other]; // never myself
          if (kind === 'apply') return () => apply(me, them.id);
          if (kind === 'delete') return () => post(`/api/chat/deletegoodfriend/${them.id}`, me.token);
          if (kind === 'black') return () => post(`/api/chat/setblackgoodfriend/${them.id}`, me.token);
          // Handle their application to me, as it is right before the burst.
          const id = (await applicationRow(them.id, me.id))?.id ?? 4294967295;
          return () => handle(me, id, kind);
        }));
        const answers: Answer[] = await Promise.all(requests.map(send => send()));
        for (const res of answers) {
          const blocked = res.status === 403 && res.body.data === '对方把你拉黑了，不能发送消息'; // an application to someone who blocks me
          assert.ok([ 200, 404, 409 ].includes(res.status) || blocked, `${res.status} ${JSON.stringify(res.body)}`);
        }
        await assertPairInvariants(users, MAX);
      }
    }), { numRuns: Number(process.env.FC_NUM_RUNS ?? 25) });
  });
});
