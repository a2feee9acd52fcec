import { strict as assert } from 'node:assert';
import { randomUUID } from 'node:crypto';
import { app } from 'egg-mock/bootstrap';
import { QueryTypes } from 'sequelize';
import { assertFail, logout, register, sessionIds } from '../../helpers';
import { cursorKey, inboxKey, socketsKey } from '../../../app/lib/messaging/keys';
import { PURGE_STEPS, PurgeStep } from '../../../app/service/visitors/purge';
import { arrive, bindingOf, newDeviceId, visitorSettings, withCredentials, REG_CHAT } from './support';

const DAY = 86_400_000;
const daysAgo = (days: number) => new Date(Date.now() - days * DAY);

/** Inserts a user row by SQL, last seen `lastLoginDays` ago (null: never), created `createdDays` ago. */
async function insertRow(role: string, lastLoginDays: number | null, createdDays = lastLoginDays ?? 0): Promise<number> {
  const [ id ] = await app.model.query(
    `INSERT INTO \`user\` (uuid, username, password, avatar, role, last_login, register_time, create_time, update_time)
     VALUES (:uuid, :username, '!', '', :role, :lastLogin, :created, :created, :created)`,
    { type: QueryTypes.INSERT, replacements: {
      uuid: randomUUID(), username: `r${randomUUID().slice(0, 12)}`, role,
      lastLogin: lastLoginDays === null ? null : daysAgo(lastLoginDays), created: daysAgo(createdDays),
    } });
  return id;
}

async function setLastLogin(id: number, days: number) {
  await app.model.query('UPDATE `user` SET last_login = :at WHERE id = :id', { replacements: { id, at: daysAgo(days) } });
}

async function userIds(): Promise<number[]> {
  return (await app.model.User.findAll({ attributes: [ 'id' ], order: [ 'id' ], raw: true })).map(row => row.id);
}

const runPurge = () => app.runSchedule('purgeVisitors');

describe('daily purge of idle visitors (app/schedule/purgeVisitors.ts)', () => {
  it('is an Egg schedule run by one worker per cluster, daily, off in unit tests (run here by hand)', () => {
    const { schedules } = app as unknown as { schedules: Record<string, { key: string; schedule: object }> };
    const [ item ] = Object.values(schedules).filter(s => /purgeVisitors\.[tj]s$/.test(s.key));
    assert.ok(item, 'schedule loaded');
    assert.deepEqual(item.schedule, { cron: '0 30 4 * * *', type: 'worker', disable: true });
  });

  it('deletes visitors idle for more than 90 days with their friendships, applications, blocks, profile, binding and sessions', async () => {
    const user = await register('real_user');
    const oldDevice = newDeviceId();
    const old = await arrive(oldDevice);
    const recent = await arrive();
    await setLastLogin(old.id, 91);
    await setLastLogin(recent.id, 89);
    const neverSeenOld = await insertRow('visitor', null, 91);
    const neverSeenNew = await insertRow('visitor', null, 89);
    const idleUser = await insertRow('user', 400);
    const { Goodfriend, GoodfriendApply, UserInfo } = app.model;
    await Goodfriend.bulkCreate([
      { user_id: old.id, friend_id: user.id }, { user_id: user.id, friend_id: old.id },
      { user_id: recent.id, friend_id: user.id }, { user_id: user.id, friend_id: recent.id },
      { user_id: idleUser, friend_id: user.id }, { user_id: user.id, friend_id: idleUser },
    ]);
    await GoodfriendApply.bulkCreate([
      { user_id: old.id, friend_id: user.id }, { user_id: user.id, friend_id: neverSeenOld }, { user_id: recent.id, friend_id: user.id },
    ]);
    await UserInfo.bulkCreate([ old.id, recent.id, idleUser, neverSeenOld ].map(user_id => ({ user_id })));
    const block = (blocker: number, blocked: number) => app.model.query(
      'INSERT INTO user_block (blocker_id, blocked_id, create_time) VALUES (:blocker, :blocked, NOW(3))', { replacements: { blocker, blocked } });
    await block(old.id, user.id);
    await block(user.id, old.id);
    await block(recent.id, user.id);

    await runPurge();

    assert.deepEqual(await userIds(), [ user.id, recent.id, neverSeenNew, idleUser ]);
    assert.deepEqual((await Goodfriend.findAll({ raw: true })).map(r => [ r.user_id, r.friend_id ]).sort(),
      [[ recent.id, user.id ], [ user.id, recent.id ], [ idleUser, user.id ], [ user.id, idleUser ]].sort());
    assert.deepEqual((await GoodfriendApply.findAll({ raw: true })).map(r => r.user_id), [ recent.id ]);
    assert.deepEqual((await UserInfo.findAll({ order: [ 'user_id' ], raw: true })).map(r => r.user_id), [ recent.id, idleUser ]);
    const [ blocks ] = await app.model.query('SELECT blocker_id, blocked_id FROM user_block');
    assert.deepEqual(blocks, [{ blocker_id: recent.id, blocked_id: user.id }]);
    assert.equal(await bindingOf(oldDevice), null);
    assert.equal(await app.model.VisitorDevice.count(), 1);
    assert.deepEqual(await sessionIds(old.id), []);
    assertFail(await logout(old.token), 401, 'Token 令牌不合法！');
    await logout(recent.token).expect(200);
    // The device of a purged visitor simply gets a new one.
    assert.notEqual((await arrive(oldDevice)).id, old.id);
  });

  it('drops the offline queue and cursors of purged visitors, keeps those of the others', async () => {
    const idle = await insertRow('visitor', 100);
    const recent = await insertRow('visitor', 1);
    for (const id of [ idle, recent ]) {
      await app.redis.xadd(inboxKey(id), '*', 'k', 'n', 'f', '{}');
      await app.redis.hset(cursorKey(id), 'sid', '0-1');
      await app.redis.zadd(socketsKey(id), Date.now(), 'sid:socket');
    }
    await runPurge();
    assert.equal(await app.redis.exists(inboxKey(idle), cursorKey(idle), socketsKey(idle)), 0);
    assert.equal(await app.redis.exists(inboxKey(recent), cursorKey(recent), socketsKey(recent)), 3);
  });

  it('keeps a visitor that came back (visitorRegister refreshes last_login) and one upgraded to a user', async () => {
    const back = await arrive();
    const upgradedDevice = newDeviceId();
    const upgraded = await arrive(upgradedDevice);
    await setLastLogin(back.id, 200);
    await setLastLogin(upgraded.id, 200);
    await arrive(back.devicefingeruuid);
    await withCredentials(REG_CHAT, upgradedDevice, 'upgraded1');
    await runPurge();
    assert.deepEqual(await userIds(), [ back.id, upgraded.id ]);
  });

  it('re-checks a batch under lock: a candidate that is no longer an idle visitor stays', async () => {
    const idle = await insertRow('visitor', 100);
    const active = await insertRow('visitor', 1);
    const user = await insertRow('user', 100);
    // As if `active` and `user` had been idle visitors when the batch was selected.
    const purge = app.mockContext().service.visitors.purge as unknown as { purgeBatch(ids: number[], before: Date): Promise<number[]> };
    assert.deepEqual(await purge.purgeBatch([ idle, active, user ], daysAgo(90)), [ idle ]);
    assert.deepEqual(await userIds(), [ active, user ]);
  });

  it('works in batches (im.visitors.purgeBatch) until none is left', async () => {
    visitorSettings({ purgeBatch: 2 });
    const idle = [];
    for (let i = 0; i < 5; i++) idle.push(await insertRow('visitor', 100 + i));
    const kept = await insertRow('visitor', 1);
    assert.equal(await app.mockContext().service.visitors.purge.idleVisitors(), 5);
    assert.deepEqual(await userIds(), [ kept ]);
  });

  it('reads the threshold from VISITOR_RETENTION_DAYS; 0 keeps every visitor', async () => {
    const month = await insertRow('visitor', 31);
    const week = await insertRow('visitor', 7);
    visitorSettings({ retentionDays: 0 });
    await runPurge();
    assert.deepEqual(await userIds(), [ month, week ]);
    visitorSettings({ retentionDays: 30 });
    await runPurge();
    assert.deepEqual(await userIds(), [ week ]);
  });

  it('two runs at once (two hosts) purge each visitor once and both succeed', async () => {
    visitorSettings({ purgeBatch: 3 });
    for (let i = 0; i < 12; i++) await insertRow('visitor', 120);
    const kept = await insertRow('visitor', 3);
    const ctx = () => app.mockContext().service.visitors.purge;
    const counts = await Promise.all([ ctx().idleVisitors(), ctx().idleVisitors() ]);
    assert.equal(counts[0] + counts[1], 12, String(counts));
    assert.deepEqual(await userIds(), [ kept ]);
  });

  it('runs every domain\'s step of PURGE_STEPS inside the batch\'s transaction, then its afterCommit', async () => {
    const idle = await insertRow('visitor', 100);
    const seen: string[] = [];
    const step: PurgeStep = {
      domain: 'test',
      async inTransaction({ model }, ids, transaction) {
        // The visitor's row is still there, inside the transaction.
        const rows = await model.User.count({ where: { id: ids }, transaction });
        seen.push(`in ${ids} ${rows}`);
      },
      async afterCommit({ model }, ids) {
        seen.push(`after ${ids} ${await model.User.count({ where: { id: ids } })}`);
      },
    };
    PURGE_STEPS.push(step);
    try {
      await runPurge();
    } finally {
      PURGE_STEPS.splice(PURGE_STEPS.indexOf(step), 1);
    }
    assert.deepEqual(seen, [ `in ${idle} 1`, `after ${idle} 0` ]);
  });

  it('rolls a batch back whole when a step fails', async () => {
    const idle = await insertRow('visitor', 100);
    await app.model.UserInfo.create({ user_id: idle });
    const step: PurgeStep = { domain: 'failing', inTransaction: async () => { throw new Error('step failed'); } };
    PURGE_STEPS.push(step);
    try {
      await assert.rejects(runPurge(), /step failed/);
    } finally {
      PURGE_STEPS.splice(PURGE_STEPS.indexOf(step), 1);
    }
    assert.deepEqual(await userIds(), [ idle ]);
    assert.equal(await app.model.UserInfo.count(), 1);
  });
});
