import { strict as assert } from 'node:assert';
import { app, mock } from 'egg-mock/bootstrap';
import { assertFail, assertOk, expectedLocalTime, ISO_UTC_MS, LOCAL_DATETIME } from '../../helpers';
import {
  apply, applicationRow, befriendBySql, execute, friendRow, get, handle, INBOX_KEYS, INBOX_USER_KEYS, Member, members, pairRowCount,
  query, setStanding,
} from './support';

const inbox = (user: Member, path = '') => get(`/api/chat/listapplyfriend${path}`, user.token);
const ids = (data: { alldata: Array<{ id: number }> }) => data.alldata.map(item => item.id);
const HANDLED = '申请不存在或已处理';

describe('GET /api/chat/listapplyfriend/:page?limit=', () => {
  it('lists applications to me with exactly the documented keys, times and applicant', async () => {
    const [ me, a ] = await members([ 'me000001', { username: 'alice01', nickname: '爱丽丝' }]);
    assertOk(await apply(a, me.id, { nickname: 'hello' }));
    const row = (await applicationRow(a.id, me.id))!;
    const data = assertOk(await inbox(me));
    assert.deepEqual(Object.keys(data), [ 'alldata', 'pendingCount' ]);
    const [ item ] = data.alldata;
    assert.deepEqual(Object.keys(item), INBOX_KEYS);
    assert.deepEqual(Object.keys(item.user), INBOX_USER_KEYS);
    assert.match(item.create_time, LOCAL_DATETIME);
    assert.match(item.update_time, ISO_UTC_MS);
    const [ times ] = await query<{ create_time: Date; update_time: Date }>('SELECT create_time, update_time FROM goodfriendapply WHERE id = :id', { id: row.id });
    assert.deepEqual(item, {
      create_time: expectedLocalTime(times.create_time.toISOString(), 8 * 60),
      id: row.id, user_id: a.id, friend_id: me.id, nickname: 'hello',
      friendlookme: 1, melookfriend: 1, ismystarfriend: 0, isblack: 0, status: 'pending', order: 50,
      update_time: times.update_time.toISOString(),
      userId: a.id,
      user: { id: a.id, username: 'alice01', avatar: a.avatar, nickname: '爱丽丝', uuid: a.uuid },
    });
    assert.equal(data.pendingCount, 1);
  });

  it('newest first, every status, only those addressed to me; pendingCount over all pages', async () => {
    const [ me, a, b, c, d, other ] = await members([ 'me000001', 'alice01', 'bob0001', 'carol01', 'dave001', 'other01' ]);
    for (const user of [ a, b, c, d ]) assertOk(await apply(user, me.id));
    assertOk(await apply(me, other.id));
    assertOk(await apply(other, a.id));
    const rowOf = async (user: Member) => (await applicationRow(user.id, me.id))!.id;
    assertOk(await handle(me, await rowOf(b), 'refuse'));
    assertOk(await handle(me, await rowOf(c), 'agree'));
    const all = [ await rowOf(d), await rowOf(c), await rowOf(b), await rowOf(a) ];
    const data = assertOk(await inbox(me));
    assert.deepEqual(ids(data), all);
    assert.deepEqual(data.alldata.map((item: { status: string }) => item.status), [ 'pending', 'agree', 'refuse', 'pending' ]);
    assert.equal(data.pendingCount, 2);
    const page2 = assertOk(await inbox(me, '/2?limit=3'));
    assert.deepEqual(ids(page2), all.slice(3));
    assert.equal(page2.pendingCount, 2);
    assert.deepEqual(ids(assertOk(await inbox(me, '/1?limit=3'))), all.slice(0, 3));
    assert.deepEqual(assertOk(await inbox(me, '/3?limit=3')), { alldata: [], pendingCount: 2 });
    assert.deepEqual(assertOk(await inbox(me, '/100000?limit=100')), { alldata: [], pendingCount: 2 });
  });

  it('leaves out gone applicants (and pendingCount does not count them); they come back when re-enabled; visitors are listed', async () => {
    const [ me, a, b, visitor ] = await members([ 'me000001', 'alice01', 'bob0001', { username: 'VISitor01', role: 'visitor' }]);
    for (const user of [ a, b, visitor ]) assertOk(await apply(user, me.id));
    await setStanding(a.id, { status: 0 });
    await setStanding(b.id, { is_deleted: 1 });
    let data = assertOk(await inbox(me));
    assert.deepEqual(data.alldata.map((item: { user_id: number }) => item.user_id), [ visitor.id ]);
    assert.equal(data.pendingCount, 1);
    await setStanding(a.id, { status: 1 });
    data = assertOk(await inbox(me));
    assert.deepEqual(data.alldata.map((item: { user_id: number }) => item.user_id), [ visitor.id, a.id ]);
    assert.equal(data.pendingCount, 2);
  });

  it('pages of 10 by default; page absent = 1; limit 1-100; "" = default', async () => {
    const [ me, ...others ] = await members([ 'me000001', ...Array.from({ length: 12 }, (_, i) => `appl${String(i).padStart(4, '0')}`) ]);
    for (const user of others) assertOk(await apply(user, me.id));
    assert.equal(assertOk(await inbox(me)).alldata.length, 10);
    assert.equal(assertOk(await inbox(me, '?limit=')).alldata.length, 10);
    assert.equal(assertOk(await inbox(me, '/2')).alldata.length, 2);
    assert.equal(assertOk(await inbox(me, '/1?limit=1')).alldata.length, 1);
    assert.equal(assertOk(await inbox(me, '?limit=100')).alldata.length, 12);
  });

  const invalid: Array<[string, string]> = [
    ...[ '0', '100001', 'abc', '01', '-1', '1.5', '%20' ].map(p => [ `/${p}`, 'page 应为 1-100000 之间的整数' ] as [string, string]),
    ...[ '0', '101', 'x', '01', '-5', '1e2' ].map(l => [ `?limit=${l}`, 'limit 应为 1-100 之间的整数' ] as [string, string]),
    [ '/0?limit=0', 'page 应为 1-100000 之间的整数' ],
  ];
  for (const [ path, reason ] of invalid) {
    it(`422 for ${path}`, async () => {
      const [ me ] = await members([ 'me000001' ]);
      assertFail(await inbox(me, path), 422, reason);
    });
  }
});

describe('POST /api/chat/handleapply/:id', () => {
  async function pendingPair() {
    const [ me, a ] = await members([ 'me000001', 'alice01' ]);
    assertOk(await apply(a, me.id, { nickname: 'hi' }));
    return { me, a, id: (await applicationRow(a.id, me.id))!.id };
  }

  it('agree: friends both ways (my remark as given, trimmed; the applicant\'s ""), the application agreed', async () => {
    const { me, a, id } = await pendingPair();
    assert.equal(assertOk(await handle(me, id, 'agree', { nickname: '  Alice from work ' })), 'ok');
    assert.equal((await applicationRow(a.id, me.id))!.status, 'agree');
    assert.equal((await friendRow(me.id, a.id))!.nickname, 'Alice from work');
    assert.equal((await friendRow(a.id, me.id))!.nickname, '');
    const [ mine ] = await query('SELECT friendlookme, melookfriend, ismystarfriend, isblack, status FROM goodfriend WHERE user_id = :me', { me: me.id });
    assert.deepEqual({ ...mine }, { friendlookme: 1, melookfriend: 1, ismystarfriend: 0, isblack: 0, status: 1 });
  });

  it('agree also agrees my own pending application to the applicant', async () => {
    const [ me, a ] = await members([ 'me000001', 'alice01' ]);
    // Both pending at once (as before this service existed): only SQL can make it now.
    await execute(`INSERT INTO goodfriendapply (user_id, friend_id, status, create_time, update_time)
      VALUES (:a, :me, 'pending', NOW(3), NOW(3)), (:me, :a, 'pending', NOW(3), NOW(3))`, { a: a.id, me: me.id });
    assertOk(await handle(me, (await applicationRow(a.id, me.id))!.id, 'agree'));
    assert.equal((await applicationRow(me.id, a.id))!.status, 'agree');
    assert.equal(await pairRowCount(me.id, a.id), 2);
  });

  it('agree inserts only missing rows: an existing row keeps its remark and flags', async () => {
    const { me, a, id } = await pendingPair();
    await execute(`INSERT INTO goodfriend (user_id, friend_id, nickname, ismystarfriend, create_time, update_time)
      VALUES (:a, :me, 'old remark', 1, NOW(3), NOW(3))`, { a: a.id, me: me.id });
    assertOk(await handle(me, id, 'agree', { nickname: 'new' }));
    assert.deepEqual([ (await friendRow(a.id, me.id))!.nickname, (await friendRow(a.id, me.id))!.ismystarfriend ], [ 'old remark', 1 ]);
    assert.equal((await friendRow(me.id, a.id))!.nickname, 'new');
    assert.equal(await pairRowCount(me.id, a.id), 2);
  });

  for (const status of [ 'refuse', 'ignore' ]) {
    it(`${status}: only the status (and update_time) change; a nickname sent along is ignored, even an invalid one`, async () => {
      const { me, a, id } = await pendingPair();
      // The handling time, to the millisecond (DATETIME(3)).
      const handledAt = Math.floor(Date.now() / 1000) * 1000 + 123;
      mock(Date, 'now', () => handledAt);
      assertOk(await handle(me, id, status, { nickname: 'x'.repeat(80) }));
      const row = (await applicationRow(a.id, me.id))!;
      assert.equal(row.status, status);
      assert.equal(row.update_time.getTime(), handledAt);
      assert.equal(await pairRowCount(me.id, a.id), 0);
    });
  }

  describe('422', () => {
    const cases: Array<[string, string, Record<string, unknown>, string]> = [
      [ 'status missing', '', {}, 'status 不能为空' ],
      [ 'status ""', '', { status: '' }, 'status 不能为空' ],
      [ 'status null', '', { status: null }, 'status 不能为空' ],
      ...[ 'pending', 'AGREE', ' agree', 'agree ', 'accept' ].map(s => [ `status "${s}"`, '', { status: s }, 'status 只能是 agree、refuse、ignore' ] as [string, string, Record<string, unknown>, string]),
      ...[ 1, true, [ 'agree' ], { s: 'agree' }].map(s => [ `status ${JSON.stringify(s)}`, '', { status: s }, 'status 只能是 agree、refuse、ignore' ] as [string, string, Record<string, unknown>, string]),
      [ 'agree with a remark of 51 characters', '', { status: 'agree', nickname: 'x'.repeat(51) }, 'nickname 长度应为 0-50 位' ],
      [ 'agree with a remark holding a line break', '', { status: 'agree', nickname: 'a\nb' }, 'nickname 不能包含控制字符' ],
      [ 'agree with a numeric remark', '', { status: 'agree', nickname: 7 }, 'nickname 必须是字符串' ],
      [ ':id abc (before the status)', 'abc', { status: 'pending' }, 'id 应为 1-4294967295 之间的整数' ],
      [ ':id 0', '0', { status: 'agree' }, 'id 应为 1-4294967295 之间的整数' ],
      [ ':id 4294967296', '4294967296', { status: 'agree' }, 'id 应为 1-4294967295 之间的整数' ],
    ];
    for (const [ title, path, body, reason ] of cases) {
      it(title, async () => {
        const { me, id } = await pendingPair();
        const res = await app.httpRequest().post(`/api/chat/handleapply/${path || id}`).set('token', me.token).send(body);
        assertFail(res, 422, reason);
        assert.equal((await query<{ status: string }>('SELECT status FROM goodfriendapply WHERE id = :id', { id }))[0].status, 'pending');
      });
    }
  });

  describe('404 申请不存在或已处理', () => {
    it('for an unknown id, one addressed to someone else (my own included) and a gone applicant', async () => {
      const { me, a, id } = await pendingPair();
      const [ b ] = await members([ 'bob0001' ]);
      assertOk(await apply(me, b.id));
      const mine = (await applicationRow(me.id, b.id))!.id;
      assertFail(await handle(me, 999999, 'agree'), 404, HANDLED);
      assertFail(await handle(b, id, 'agree'), 404, HANDLED);
      assertFail(await handle(me, mine, 'agree'), 404, HANDLED);
      await setStanding(a.id, { is_deleted: 1 });
      assertFail(await handle(me, id, 'agree'), 404, HANDLED);
      assertFail(await handle(me, id, 'refuse'), 404, HANDLED);
      assert.equal(await pairRowCount(me.id, a.id), 0);
      await setStanding(a.id, { is_deleted: 0 });
      assertOk(await handle(me, id, 'refuse'));
    });

    it('for an application replaced by a re-application (its old id)', async () => {
      mock(app.config.im.friends, 'reapplyCooldown', 0);
      const { me, a, id } = await pendingPair();
      assertOk(await handle(me, id, 'ignore'));
      assertOk(await apply(a, me.id));
      assertFail(await handle(me, id, 'agree'), 404, HANDLED);
      assertOk(await handle(me, (await applicationRow(a.id, me.id))!.id, 'agree'));
    });

    it('before 409: a handled application of an applicant gone since', async () => {
      const { me, a, id } = await pendingPair();
      assertOk(await handle(me, id, 'refuse'));
      await setStanding(a.id, { status: 0 });
      assertFail(await handle(me, id, 'agree'), 404, HANDLED);
    });
  });

  it('409 申请不存在或已处理 once handled, whatever the new status', async () => {
    for (const [ first, second ] of [[ 'agree', 'refuse' ], [ 'refuse', 'agree' ], [ 'ignore', 'ignore' ], [ 'agree', 'agree' ]]) {
      await execute('DELETE FROM goodfriendapply');
      await execute('DELETE FROM goodfriend');
      await execute('DELETE FROM `user`');
      const { me, a, id } = await pendingPair();
      assertOk(await handle(me, id, first));
      assertFail(await handle(me, id, second), 409, HANDLED);
      assert.equal((await applicationRow(a.id, me.id))!.status, first);
    }
  });

  describe('409 FRIEND_MAX on agree (every row counts, gone friends included)', () => {
    it('好友数量已达上限 when I have FRIEND_MAX, 对方好友数量已达上限 when the applicant has; nothing changes', async () => {
      mock(app.config.im.friends, 'max', 2);
      const { me, a, id } = await pendingPair();
      const [ f1, f2 ] = await members([ 'friend1', 'friend2' ]);
      await befriendBySql(a.id, [ f1.id, f2.id ]);
      await setStanding(f2.id, { status: 0 });
      assertFail(await handle(me, id, 'agree'), 409, '对方好友数量已达上限');
      await befriendBySql(me.id, [ f1.id, f2.id ]);
      assertFail(await handle(me, id, 'agree'), 409, '好友数量已达上限');
      assert.equal((await applicationRow(a.id, me.id))!.status, 'pending');
      assert.equal(await pairRowCount(me.id, a.id), 0);
      await execute('DELETE FROM goodfriend WHERE user_id = :f1 OR friend_id = :f1', { f1: f1.id });
      assertOk(await handle(me, id, 'agree'));
      assert.equal(await pairRowCount(me.id, a.id), 2);
    });
  });
});
