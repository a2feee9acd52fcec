// Issue 16 item 8: strangers cannot fill an inbox against real applicants (README "Friends", full inboxes).
import { strict as assert } from 'node:assert';
import { app, mock } from 'egg-mock/bootstrap';
import { assertFail, assertOk } from '../../helpers';
import { apply, execute, members, query } from './support';

const FULL = '对方的好友申请已满，请稍后再试';
const age = (id: number, days: number) => execute('UPDATE `user` SET create_time = UTC_TIMESTAMP(3) - INTERVAL :days DAY WHERE id = :id', { id, days });
const pendingTo = async (id: number) =>
  Number((await query<{ n: number }>('SELECT COUNT(*) AS n FROM goodfriendapply WHERE friend_id = :id AND status = \'pending\'', { id }))[0].n);

describe('applyfriend: a full inbox still takes a real applicant', () => {
  beforeEach(() => {
    mock(app.config.im.friends, 'pendingMax', 4);
    mock(app.config.im.friends, 'pendingNewMax', 2);
    mock(app.config.im.friends, 'newAccountAge', 7 * 86400);
  });

  it('new accounts and visitors share FRIEND_PENDING_NEW_MAX; an older account still gets in, up to FRIEND_PENDING_MAX', async () => {
    const [ target, s1, s2, s3, oldVisitor, real1, real2, real3 ] = await members([
      'target01', 'strang01', 'strang02', 'strang03', { username: 'visitor01', role: 'visitor' }, 'realone1', 'realone2', 'realone3',
    ]);
    for (const user of [ oldVisitor, real1, real2, real3 ]) await age(user.id, 30);
    assertOk(await apply(s1, target.id));
    assertOk(await apply(s2, target.id));
    // The strangers' share is full: another new account, and a visitor however old, are refused.
    assertFail(await apply(s3, target.id), 409, FULL);
    assertFail(await apply(oldVisitor, target.id), 409, FULL);
    // A real applicant still reaches the target.
    assertOk(await apply(real1, target.id));
    assertOk(await apply(real2, target.id));
    assert.equal(await pendingTo(target.id), 4);
    // FRIEND_PENDING_MAX still bounds everything.
    assertFail(await apply(real3, target.id), 409, FULL);
  });

  it('FRIEND_NEW_ACCOUNT_AGE 0: only visitors are new', async () => {
    mock(app.config.im.friends, 'newAccountAge', 0);
    const [ target, v1, v2, v3, fresh ] = await members([
      'target01', { username: 'visitor01', role: 'visitor' }, { username: 'visitor02', role: 'visitor' }, { username: 'visitor03', role: 'visitor' }, 'fresh001',
    ]);
    assertOk(await apply(v1, target.id));
    assertOk(await apply(v2, target.id));
    assertFail(await apply(v3, target.id), 409, FULL);
    assertOk(await apply(fresh, target.id));
  });
});
