import { strict as assert } from 'node:assert';
import { app, mock } from 'egg-mock/bootstrap';
import { assertFail, assertOk } from '../../helpers';
import {
  apply, applicationRow, befriendBySql, execute, friendRow, handle, member, members, pairRowCount, post, query, setStanding,
} from './support';

const ID_RULE = 'friend_id 应为 1-4294967295 之间的整数';
const ALREADY_APPLIED = '您已经申请过了，请勿重复申请';

/** Moves an application's update_time `seconds` into the past. */
const agedBy = (id: number, seconds: number) =>
  execute('UPDATE goodfriendapply SET update_time = :at WHERE id = :id', { id, at: new Date(Date.now() - seconds * 1000) });

describe('POST /api/chat/applyfriend', () => {
  it('files a pending application with the trimmed message; flags 1,1,0,0', async () => {
    const [ a, b ] = await members([ 'alice01', 'bob0001' ]);
    assert.equal(assertOk(await apply(a, b.id, { nickname: '  你好，我是 Alice\n第二行 ' })), 'ok');
    const row = await applicationRow(a.id, b.id);
    assert.ok(row);
    assert.deepEqual({ user_id: row.user_id, friend_id: row.friend_id, nickname: row.nickname, status: row.status },
      { user_id: a.id, friend_id: b.id, nickname: '你好，我是 Alice\n第二行', status: 'pending' });
    const [ flags ] = await query('SELECT friendlookme, melookfriend, ismystarfriend, isblack FROM goodfriendapply WHERE id = :id', { id: row.id });
    assert.deepEqual({ ...flags }, { friendlookme: 1, melookfriend: 1, ismystarfriend: 0, isblack: 0 });
    assert.equal(await pairRowCount(a.id, b.id), 0);
  });

  it('takes friend_id as a JSON integer or a form string; the message is optional ("" and null = none)', async () => {
    const [ a, b, c, d ] = await members([ 'alice01', 'bob0001', 'carol01', 'dave001' ]);
    assertOk(await post('/api/chat/applyfriend', a.token, `friend_id=${b.id}`));
    assertOk(await post('/api/chat/applyfriend', a.token, { friend_id: String(c.id), nickname: '' }));
    assertOk(await post('/api/chat/applyfriend', a.token, { friend_id: d.id, nickname: null }));
    for (const to of [ b, c, d ]) assert.equal((await applicationRow(a.id, to.id))!.nickname, '');
  });

  it('takes a message of 50 characters (emoji count as one)', async () => {
    const [ a, b, c ] = await members([ 'alice01', 'bob0001', 'carol01' ]);
    assertOk(await apply(a, b.id, { nickname: '😀'.repeat(50) }));
    assertOk(await apply(a, c.id, { nickname: `  ${'x'.repeat(50)}  ` }));
    assert.equal((await applicationRow(a.id, b.id))!.nickname, '😀'.repeat(50));
  });

  describe('422', () => {
    const cases: Array<[string, Record<string, unknown> | string, string]> = [
      [ 'friend_id missing', {}, 'friend_id 不能为空' ],
      [ 'friend_id ""', { friend_id: '' }, 'friend_id 不能为空' ],
      [ 'friend_id null', { friend_id: null }, 'friend_id 不能为空' ],
      ...[ 'abc', '0', '-1', '01', ' 1', '1 ', '1.5', '4294967296', '+1', '1e3' ].map(v =>
        [ `friend_id "${v}"`, { friend_id: v }, ID_RULE ] as [string, Record<string, unknown>, string]),
      ...[ 0, -1, 1.5, 4294967296, true, [ 1 ], { id: 1 }].map(v =>
        [ `friend_id ${JSON.stringify(v)}`, { friend_id: v }, ID_RULE ] as [string, Record<string, unknown>, string]),
      [ 'friend_id[]=1 (form)', 'friend_id[]=1', ID_RULE ],
      [ 'friend_id repeated (form)', 'friend_id=1&friend_id=2', ID_RULE ],
      [ 'a message of 51 characters', { friend_id: 99, nickname: 'x'.repeat(51) }, 'nickname 长度应为 0-50 位' ],
      [ 'a message of 51 emoji', { friend_id: 99, nickname: '😀'.repeat(51) }, 'nickname 长度应为 0-50 位' ],
      [ 'a message that is a number', { friend_id: 99, nickname: 5 }, 'nickname 必须是字符串' ],
      [ 'a message that is an array', { friend_id: 99, nickname: [ 'hi' ] }, 'nickname 必须是字符串' ],
      [ 'a message with a tab', { friend_id: 99, nickname: 'a\tb' }, 'nickname 不能包含控制字符' ],
      [ 'a message with U+0000', { friend_id: 99, nickname: 'a\u0000b' }, 'nickname 不能包含控制字符' ],
      [ 'a message with DEL', { friend_id: 99, nickname: 'a\u007fb' }, 'nickname 不能包含控制字符' ],
      [ 'both fields bad: friend_id first', { friend_id: 'x', nickname: 'x'.repeat(51) }, ID_RULE ],
      [ 'a JSON array as the body', '[]', 'friend_id 不能为空' ],
    ];
    for (const [ title, body, reason ] of cases) {
      it(title, async () => {
        const a = await member('alice01');
        const res = body === '[]'
          ? await app.httpRequest().post('/api/chat/applyfriend').set('token', a.token).type('json').send('[]')
          : await post('/api/chat/applyfriend', a.token, body);
        assertFail(res, 422, reason);
      });
    }

    it('applying to myself: 不能添加自己为好友, after the fields are checked', async () => {
      const a = await member('alice01');
      assertFail(await apply(a, a.id), 422, '不能添加自己为好友');
      assertFail(await apply(a, a.id, { nickname: 'x'.repeat(51) }), 422, 'nickname 长度应为 0-50 位');
    });
  });

  describe('404 添加的好友不存在', () => {
    it('for a missing, disabled, deleted or visitor target', async () => {
      const [ a, off, gone, visitor ] = await members([
        'alice01', { username: 'disabled1', status: 0 }, { username: 'deleted1', is_deleted: 1 }, { username: 'VISitor01', role: 'visitor' },
      ]);
      for (const id of [ 4294967295, off.id, gone.id, visitor.id ]) assertFail(await apply(a, id), 404, '添加的好友不存在');
      assert.deepEqual(await query('SELECT id FROM goodfriendapply'), []);
    });

    it('for a visitor or gone target even when it applied to me first', async () => {
      const [ a, visitor, b ] = await members([ 'alice01', { username: 'VISitor01', role: 'visitor' }, 'bob0001' ]);
      assertOk(await apply(visitor, a.id));
      assertOk(await apply(b, a.id));
      await setStanding(b.id, { status: 0 });
      assertFail(await apply(a, visitor.id), 404, '添加的好友不存在');
      assertFail(await apply(a, b.id), 404, '添加的好友不存在');
      assert.equal(await pairRowCount(a.id, visitor.id), 0);
      assert.equal((await applicationRow(visitor.id, a.id))!.status, 'pending');
    });

    it('comes before 409 and 429', async () => {
      mock(app.config.im.friends, 'applyLimit', 1);
      const [ a, b, c ] = await members([ 'alice01', 'bob0001', 'carol01' ]);
      assertOk(await apply(a, c.id));
      await befriendBySql(a.id, [ b.id ]);
      await setStanding(b.id, { is_deleted: 1 });
      assertFail(await apply(a, b.id), 404, '添加的好友不存在');
    });
  });

  it('visitors may apply to users', async () => {
    const [ visitor, b ] = await members([{ username: 'VISitor01', role: 'visitor' }, 'bob0001' ]);
    assertOk(await apply(visitor, b.id, { nickname: 'hi' }));
    assert.equal((await applicationRow(visitor.id, b.id))!.status, 'pending');
  });

  describe('409 对方已经是您的好友', () => {
    it('when my row for the target exists, blacklisted or not, on either side', async () => {
      const [ a, b, c ] = await members([ 'alice01', 'bob0001', 'carol01' ]);
      await befriendBySql(a.id, [ b.id ]);
      await befriendBySql(a.id, [ c.id ], { isblack: 1 }); // a blacklisted c
      assertFail(await apply(a, b.id), 409, '对方已经是您的好友');
      assertFail(await apply(b, a.id), 409, '对方已经是您的好友');
      assertFail(await apply(a, c.id), 409, '对方已经是您的好友');
      assertFail(await apply(c, a.id), 409, '对方已经是您的好友');
      assert.deepEqual(await query('SELECT id FROM goodfriendapply'), []);
    });

    it('even when the friend gone by SQL is back (rows are kept)', async () => {
      const [ a, b ] = await members([ 'alice01', 'bob0001' ]);
      await befriendBySql(a.id, [ b.id ]);
      await setStanding(b.id, { status: 0 });
      await setStanding(b.id, { status: 1 });
      assertFail(await apply(a, b.id), 409, '对方已经是您的好友');
    });
  });

  describe('409 您已经申请过了，请勿重复申请 and re-applying', () => {
    it('while my application is pending', async () => {
      const [ a, b ] = await members([ 'alice01', 'bob0001' ]);
      assertOk(await apply(a, b.id, { nickname: 'first' }));
      assertFail(await apply(a, b.id, { nickname: 'second' }), 409, ALREADY_APPLIED);
      assert.equal((await applicationRow(a.id, b.id))!.nickname, 'first');
    });

    for (const status of [ 'refuse', 'ignore' ]) {
      it(`after a ${status}: the same answer until FRIEND_REAPPLY_COOLDOWN has passed since it, then a new row on top`, async () => {
        const [ a, b, c ] = await members([ 'alice01', 'bob0001', 'carol01' ]);
        assertOk(await apply(a, b.id, { nickname: 'first' }));
        const first = (await applicationRow(a.id, b.id))!;
        assertOk(await handle(b, first.id, status));
        assertFail(await apply(a, b.id), 409, ALREADY_APPLIED);
        const cooldown = app.config.im.friends.reapplyCooldown;
        assert.equal(cooldown, 86400);
        await agedBy(first.id, cooldown - 60);
        assertFail(await apply(a, b.id), 409, ALREADY_APPLIED);
        assertOk(await apply(c, b.id)); // someone else's application in between
        await agedBy(first.id, cooldown + 1);
        assertOk(await apply(a, b.id, { nickname: 'second' }));
        const second = (await applicationRow(a.id, b.id))!;
        assert.ok(second.id > first.id);
        assert.deepEqual([ second.status, second.nickname ], [ 'pending', 'second' ]);
        assert.deepEqual(await query('SELECT id FROM goodfriendapply WHERE id = :id', { id: first.id }), []);
        const inbox = assertOk(await app.httpRequest().get('/api/chat/listapplyfriend').set('token', b.token));
        assert.deepEqual(inbox.alldata.map((item: { id: number }) => item.id), [ second.id, (await applicationRow(c.id, b.id))!.id ]);
      });
    }

    it('FRIEND_REAPPLY_COOLDOWN=0: re-applying right after a refusal works', async () => {
      mock(app.config.im.friends, 'reapplyCooldown', 0);
      const [ a, b ] = await members([ 'alice01', 'bob0001' ]);
      assertOk(await apply(a, b.id));
      assertOk(await handle(b, (await applicationRow(a.id, b.id))!.id, 'refuse'));
      assertOk(await apply(a, b.id));
      assert.equal((await applicationRow(a.id, b.id))!.status, 'pending');
      assertFail(await apply(a, b.id), 409, ALREADY_APPLIED);
    });

    it('an agreed application whose friendship is gone (rows deleted by SQL) is replaced', async () => {
      const [ a, b ] = await members([ 'alice01', 'bob0001' ]);
      assertOk(await apply(a, b.id));
      assertOk(await handle(b, (await applicationRow(a.id, b.id))!.id, 'agree'));
      await execute('DELETE FROM goodfriend');
      assertOk(await apply(a, b.id));
      assert.equal((await applicationRow(a.id, b.id))!.status, 'pending');
    });
  });

  describe('auto-agree: the target has a pending application to me', () => {
    it('makes us friends (both remarks ""), marks it agree and files nothing of mine', async () => {
      const [ a, b ] = await members([ 'alice01', 'bob0001' ]);
      assertOk(await apply(b, a.id, { nickname: 'from b' }));
      assert.equal(assertOk(await apply(a, b.id, { nickname: 'from a' })), 'ok');
      assert.equal((await applicationRow(b.id, a.id))!.status, 'agree');
      assert.equal(await applicationRow(a.id, b.id), undefined);
      assert.equal(await pairRowCount(a.id, b.id), 2);
      assert.equal((await friendRow(a.id, b.id))!.nickname, '');
      assert.equal((await friendRow(b.id, a.id))!.nickname, '');
    });

    it('also while my own refused application to the target is in cooldown', async () => {
      const [ a, b ] = await members([ 'alice01', 'bob0001' ]);
      assertOk(await apply(a, b.id));
      assertOk(await handle(b, (await applicationRow(a.id, b.id))!.id, 'refuse'));
      assertOk(await apply(b, a.id));
      assertOk(await apply(a, b.id));
      assert.equal(await pairRowCount(a.id, b.id), 2);
      assert.equal((await applicationRow(a.id, b.id))!.status, 'refuse');
    });

    it('a refused or ignored application of the target is not agreed: mine is filed', async () => {
      const [ a, b ] = await members([ 'alice01', 'bob0001' ]);
      assertOk(await apply(b, a.id));
      assertOk(await handle(a, (await applicationRow(b.id, a.id))!.id, 'ignore'));
      assertOk(await apply(a, b.id));
      assert.equal((await applicationRow(a.id, b.id))!.status, 'pending');
      assert.equal(await pairRowCount(a.id, b.id), 0);
    });
  });

  describe('FRIEND_MAX (every row counts, gone friends included)', () => {
    it('409 好友数量已达上限 when I have FRIEND_MAX friends; one fewer is fine', async () => {
      mock(app.config.im.friends, 'max', 3);
      const [ a, f1, f2, f3, b, c ] = await members([ 'alice01', 'friend1', 'friend2', 'friend3', 'bob0001', 'carol01' ]);
      await befriendBySql(a.id, [ f1.id, f2.id ]);
      assertOk(await apply(a, b.id));
      await befriendBySql(a.id, [ f3.id ]);
      await setStanding(f3.id, { status: 0 });
      assertFail(await apply(a, c.id), 409, '好友数量已达上限');
      assert.equal(await applicationRow(a.id, c.id), undefined);
    });

    it('a plain application to a target with FRIEND_MAX friends is filed (only agreeing checks the cap)', async () => {
      mock(app.config.im.friends, 'max', 2);
      const [ a, b, f1, f2 ] = await members([ 'alice01', 'bob0001', 'friend1', 'friend2' ]);
      await befriendBySql(b.id, [ f1.id, f2.id ]);
      assertOk(await apply(a, b.id));
      assertFail(await handle(b, (await applicationRow(a.id, b.id))!.id, 'agree'), 409, '好友数量已达上限');
    });

    it('auto-agree: 409 好友数量已达上限 / 对方好友数量已达上限, and nothing changes', async () => {
      mock(app.config.im.friends, 'max', 2);
      const [ a, b, c, f1, f2 ] = await members([ 'alice01', 'bob0001', 'carol01', 'friend1', 'friend2' ]);
      assertOk(await apply(b, a.id));
      assertOk(await apply(c, a.id));
      await befriendBySql(b.id, [ f1.id, f2.id ]);
      assertFail(await apply(a, b.id), 409, '对方好友数量已达上限');
      await befriendBySql(a.id, [ f1.id, f2.id ]);
      assertFail(await apply(a, c.id), 409, '好友数量已达上限');
      assert.equal((await applicationRow(b.id, a.id))!.status, 'pending');
      assert.equal(await pairRowCount(a.id, b.id) + await pairRowCount(a.id, c.id), 0);
    });
  });

  describe('FRIEND_PENDING_MAX', () => {
    it('409 对方的好友申请已满，请稍后再试 when the target has that many pending rows (gone applicants included)', async () => {
      mock(app.config.im.friends, 'pendingMax', 2);
      const [ a, b, p1, p2, p3 ] = await members([ 'alice01', 'bob0001', 'pend001', 'pend002', 'pend003' ]);
      assertOk(await apply(p1, b.id));
      assertOk(await apply(p2, b.id));
      await setStanding(p2.id, { is_deleted: 1 });
      assertFail(await apply(a, b.id), 409, '对方的好友申请已满，请稍后再试');
      assertOk(await handle(b, (await applicationRow(p1.id, b.id))!.id, 'refuse'));
      assertOk(await apply(a, b.id));
      assertFail(await apply(p3, b.id), 409, '对方的好友申请已满，请稍后再试');
    });
  });

  describe('429 FRIEND_APPLY_LIMIT per FRIEND_APPLY_WINDOW', () => {
    it('counts created applications only, per applicant, with Retry-After; checked after 404 and 409', async () => {
      mock(app.config.im.friends, 'applyLimit', 2);
      const [ a, b, c, d, e, f ] = await members([ 'alice01', 'bob0001', 'carol01', 'dave001', 'erin001', 'frank01' ]);
      assertOk(await apply(e, a.id));
      assertOk(await apply(a, b.id));
      assertFail(await apply(a, b.id), 409, ALREADY_APPLIED); // not counted
      assertFail(await apply(a, 999999), 404, '添加的好友不存在'); // not counted
      assertOk(await apply(a, c.id));
      const limited = await apply(a, d.id);
      assertFail(limited, 429, '请求过于频繁，请稍后再试');
      const retryAfter = Number(limited.headers['retry-after']);
      assert.ok(retryAfter >= 1 && retryAfter <= app.config.im.friends.applyWindow, `Retry-After ${retryAfter}`);
      assert.equal(await applicationRow(a.id, d.id), undefined);
      assertFail(await apply(a, b.id), 409, ALREADY_APPLIED); // 409 comes before 429
      assertOk(await apply(a, e.id)); // an auto-agree creates no application: not limited
      assertOk(await apply(f, d.id)); // other applicants have their own budget
      const keys = await app.redis.keys('im:rl:*');
      assert.deepEqual(keys.sort(), [ a, e, f ].map(user => `im:rl:{user:${user.id}}:friend-apply`).sort());
    });
  });
});
