// Deadlocks and lock waits made by a second transaction on the real MariaDB, holding the very
// user rows a friends transaction locks: retried once, then 503.
import { strict as assert } from 'node:assert';
import { app, mock } from 'egg-mock/bootstrap';
import { QueryTypes, Transaction } from 'sequelize';
import { assertFail, assertOk } from '../../helpers';
import { keepTestServerListening } from '../hardening/support';
import { apply, applicationRow, handle, members, pairRowCount, query } from './support';

const lock = (transaction: Transaction, id: number) =>
  app.model.query('SELECT id FROM `user` WHERE id = :id FOR UPDATE', { type: QueryTypes.SELECT, replacements: { id }, transaction });

/** Ids of the transactions now waiting for a lock. */
async function waiting(): Promise<string[]> {
  const rows = await query<{ id: string }>("SELECT trx_id AS id FROM information_schema.INNODB_TRX WHERE trx_state = 'LOCK WAIT'");
  return rows.map(row => String(row.id));
}

/**
 * Polls until the condition holds (no timing assertion). Slowly: InnoDB refreshes what
 * INNODB_TRX shows at most every 0.1 s, and only when it was not read in the last 0.1 s.
 */
async function until(condition: () => Promise<boolean>) {
  for (let i = 0; i < 100 && !await condition(); i++) await new Promise(resolve => setTimeout(resolve, 150));
  assert.ok(await condition(), 'condition never held');
}

const deadlocks = async () => Number((await query<{ Value: string }>("SHOW GLOBAL STATUS LIKE 'Innodb_deadlocks'"))[0].Value);

describe('lock conflicts in friends transactions', () => {
  keepTestServerListening();

  it('a deadlock is retried: the request still succeeds', async () => {
    const [ a, b ] = await members([ 'alice01', 'bob0001' ]);
    const before = await deadlocks();
    const holder = await app.model.transaction();
    try {
      // Heavier than the request's transaction, so InnoDB picks the request's as the victim.
      for (let i = 0; i < 20; i++) {
        await app.model.query('INSERT INTO user_info (user_id, create_time, update_time) VALUES (:id, NOW(3), NOW(3))',
          { replacements: { id: 900000 + i }, transaction: holder });
      }
      await lock(holder, b.id);
      const answer = apply(a, b.id).then(res => res); // locks a, then waits for b
      await until(async () => (await waiting()).length === 1);
      await lock(holder, a.id); // a cycle: the request's transaction is rolled back, then retried
      await holder.rollback();
      assertOk(await answer);
    } catch (err) {
      await holder.rollback().catch(() => undefined);
      throw err;
    }
    // At least ours (other databases on this server may add theirs).
    assert.ok(await deadlocks() >= before + 1, 'InnoDB detected a deadlock');
    assert.equal((await applicationRow(a.id, b.id))!.status, 'pending');
  });

  it('a lock wait that times out is retried: the request succeeds once the lock is free', async () => {
    const [ a, b ] = await members([ 'alice01', 'bob0001' ]);
    const holder = await app.model.transaction();
    let answer;
    try {
      await lock(holder, b.id);
      answer = apply(a, b.id).then(res => res);
      await until(async () => (await waiting()).length === 1);
      const [ first ] = await waiting();
      // The first attempt gives up (innodb_lock_wait_timeout), the retry waits again.
      await until(async () => (await waiting()).some(id => id !== first));
    } finally {
      await holder.rollback();
    }
    assertOk(await answer);
    assert.equal((await applicationRow(a.id, b.id))!.status, 'pending');
  });

  it('a second lock conflict answers 503 and writes nothing (an auto-agree too)', async () => {
    const [ a, b, c ] = await members([ 'alice01', 'bob0001', 'carol01' ]);
    assertOk(await apply(b, a.id));
    const holder = await app.model.transaction();
    try {
      await lock(holder, c.id);
      assertFail(await apply(a, c.id), 503, '服务暂不可用，请稍后再试');
      await lock(holder, b.id);
      assertFail(await apply(a, b.id), 503, '服务暂不可用，请稍后再试');
    } finally {
      await holder.rollback();
    }
    assert.equal(await applicationRow(a.id, c.id), undefined);
    assert.equal(await pairRowCount(a.id, b.id), 0);
    assert.equal((await applicationRow(b.id, a.id))!.status, 'pending');
  });

  it('a 503 after the rate limit counted the application gives its place back', async () => {
    mock(app.config.im.friends, 'reapplyCooldown', 0);
    const [ a, c ] = await members([ 'alice01', 'carol01' ]);
    assertOk(await apply(a, c.id));
    const refused = (await applicationRow(a.id, c.id))!;
    assertOk(await handle(c, refused.id, 'refuse'));
    const counter = () => app.redis.get(`im:rl:{user:${a.id}}:friend-apply`);
    assert.equal(await counter(), '1');
    const holder = await app.model.transaction();
    try {
      // The re-application replaces this row: its DELETE waits for the lock, twice.
      await app.model.query('SELECT id FROM goodfriendapply WHERE id = :id FOR UPDATE', { replacements: { id: refused.id }, transaction: holder });
      assertFail(await apply(a, c.id), 503, '服务暂不可用，请稍后再试');
    } finally {
      await holder.rollback();
    }
    assert.equal(await counter(), '1');
    assert.equal((await applicationRow(a.id, c.id))!.status, 'refuse');
  });
});
