// Issue 16 item 7: getUserSetInfo cannot enumerate users (README "Friends", getUserSetInfo).
import { strict as assert } from 'node:assert';
import { app, mock } from 'egg-mock/bootstrap';
import { assertFail, assertOk } from '../../helpers';
import { befriendBySql, execute, Member, members, post } from './support';

const NOT_FOUND = '用户不存在或者为游客，无法加为好友';
const lookUp = (me: Member, userid: number) => post('/api/chat/getUserSetInfo', me.token, { userid });
const usersetOf = (visitor: number, user: number) =>
  JSON.stringify({ chatset: { visitor: { sendCount: visitor, needFollow: false }, user: { sendCount: user, needFollow: false } } });

describe('getUserSetInfo: distinct lookups per hour, 404 for users I could not message anyway', () => {
  beforeEach(() => {
    mock(app.config.im.friends, 'lookupLimit', 3);
    mock(app.config.im.friends, 'lookupLimitVisitor', 2);
  });

  it('a visitor looks up at most USER_LOOKUP_LIMIT_VISITOR distinct users; repeats and myself are free; then 429 with Retry-After', async () => {
    const [ visitor, u1, u2, u3 ] = await members([{ username: 'visitor01', role: 'visitor' }, 'user0001', 'user0002', 'user0003' ]);
    assertOk(await lookUp(visitor, u1.id));
    assertOk(await lookUp(visitor, u2.id));
    for (let i = 0; i < 3; i++) {
      assertOk(await lookUp(visitor, u1.id));
      assertOk(await lookUp(visitor, u2.id));
      assertOk(await lookUp(visitor, visitor.id));
    }
    const over = await lookUp(visitor, u3.id);
    assertFail(over, 429, '请求过于频繁，请稍后再试');
    const retryAfter = Number(over.headers['retry-after']);
    assert.ok(retryAfter > 0 && retryAfter <= 3600, String(retryAfter));
    // Missing ids count too: probing cannot go on past the limit.
    assertFail(await lookUp(visitor, 999999), 429, '请求过于频繁，请稍后再试');
    assertOk(await lookUp(visitor, u1.id));
  });

  it('a user gets USER_LOOKUP_LIMIT distinct lookups (more than a visitor), missing ids included', async () => {
    const [ me, u1, u2, u3 ] = await members([ 'me000001', 'user0001', 'user0002', 'user0003' ]);
    assertFail(await lookUp(me, 999999), 404, NOT_FOUND);
    assertOk(await lookUp(me, u1.id));
    assertOk(await lookUp(me, u2.id));
    assertFail(await lookUp(me, u3.id), 429, '请求过于频繁，请稍后再试');
    assertFail(await lookUp(me, 999999), 404, NOT_FOUND); // already counted: free
    // Other callers have their own count.
    const [ other ] = await members([ 'other001' ]);
    assertOk(await lookUp(other, u3.id));
  });

  it('404 for a stranger who refuses my role\'s messages (sendCount 0) or blocks me; a friend is always answered', async () => {
    const [ visitor, user, target, blocker ] = await members([{ username: 'visitor01', role: 'visitor' }, 'user0001', 'target01', 'blocker1' ]);
    await execute('UPDATE `user` SET userset = :userset WHERE id = :id', { id: target.id, userset: usersetOf(0, 2) });
    assertFail(await lookUp(visitor, target.id), 404, NOT_FOUND);
    assert.equal(assertOk(await lookUp(user, target.id)).id, target.id);
    assertOk(await post(`/api/chat/setblackgoodfriend/${user.id}`, blocker.token, { isblack: 1 }));
    assertFail(await lookUp(user, blocker.id), 404, NOT_FOUND);
    // Their row about me exists: answered as before, whatever they allow strangers.
    await befriendBySql(visitor.id, [ target.id ]);
    assert.deepEqual(assertOk(await lookUp(visitor, target.id)), {
      id: target.id, userset: usersetOf(0, 2), invite_confirm: 1, isgoodfriend: true, isgoodfriend_status: true,
    });
  });
});
