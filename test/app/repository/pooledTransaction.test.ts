// pooledTransaction (app/lib/pooledQuery.ts): the send batch's transaction on a pooled connection
// without Sequelize, against the real MariaDB. It must commit what its work did, roll back when
// the work throws, read at READ COMMITTED, and leave the pool with usable connections.
import { strict as assert } from 'node:assert';
import { app } from 'egg-mock/bootstrap';
import { QueryTypes } from 'sequelize';
import { pooledQuery, pooledTransaction, transactionExecute, transactionQuery } from '../../../app/lib/pooledQuery';
import { user } from '../messaging/support';

/** A user's nickname as another connection sees it (autocommit: only what was committed). */
async function committedNickname(id: number): Promise<string | undefined> {
  const rows = await app.model.query('SELECT nickname FROM `user` WHERE id = :id', { replacements: { id }, type: QueryTypes.SELECT }) as Array<{ nickname: string }>;
  return rows[0]?.nickname;
}

const setNickname = (id: number, nickname: string) =>
  app.model.query('UPDATE `user` SET nickname = :nickname WHERE id = :id', { replacements: { id, nickname } });

describe('pooledTransaction (a transaction without Sequelize)', () => {
  it('commits what its work wrote, which no other connection sees before the COMMIT, and answers the work\'s value', async () => {
    const { id } = await user('ptx_commit');
    await setNickname(id, 'before');
    const value = await pooledTransaction(app.model, async transaction => {
      await transactionExecute(transaction, 'UPDATE `user` SET nickname = ? WHERE id = ?', [ 'inside', id ]);
      const [ mine ] = await transactionQuery<{ nickname: string }>(transaction, 'SELECT nickname FROM `user` WHERE id = :id', { id });
      assert.equal(mine.nickname, 'inside');
      assert.equal(await committedNickname(id), 'before');
      return 42;
    });
    assert.equal(value, 42);
    assert.equal(await committedNickname(id), 'inside');
  });

  it('rolls back when its work throws, rethrows that error, and the pool\'s connections stay usable', async () => {
    const { id } = await user('ptx_rollback');
    await setNickname(id, 'kept');
    const failure = new Error('the work failed');
    await assert.rejects(pooledTransaction(app.model, async transaction => {
      await transactionExecute(transaction, 'UPDATE `user` SET nickname = ? WHERE id = ?', [ 'lost', id ]);
      throw failure;
    }), error => error === failure);
    assert.equal(await committedNickname(id), 'kept');
    // Every connection of the pool, taken at once, is out of any transaction (a write commits on its own).
    const size = (app.config.sequelize as { pool?: { max?: number } }).pool?.max ?? 5;
    await Promise.all(Array.from({ length: size * 2 }, () => pooledQuery(app.model, 'write', 'UPDATE `user` SET nickname = :nickname WHERE id = :id', { id, nickname: 'after' })));
    assert.equal(await committedNickname(id), 'after');
  });

  it('reads at READ COMMITTED: a second plain read sees a change committed after the first (REPEATABLE READ would not)', async () => {
    const { id } = await user('ptx_isolation');
    await setNickname(id, 'first');
    const seen = await pooledTransaction(app.model, async transaction => {
      const read = async () => (await transactionQuery<{ nickname: string }>(transaction, 'SELECT nickname FROM `user` WHERE id = :id', { id }))[0].nickname;
      const before = await read();
      await setNickname(id, 'second'); // another connection, autocommit
      return [ before, await read() ];
    });
    assert.deepEqual(seen, [ 'first', 'second' ]);
  });

  it('a lock wait inside it ends in the driver\'s lock wait timeout error (a lock conflict), and the row is free again afterwards', async () => {
    const { id } = await user('ptx_lock');
    const holder = await app.model.transaction();
    try {
      await app.model.query('SELECT id FROM `user` WHERE id = :id FOR UPDATE', { replacements: { id }, transaction: holder });
      await assert.rejects(pooledTransaction(app.model, transaction =>
        transactionExecute(transaction, 'SELECT id FROM `user` WHERE id = ? FOR UPDATE', [ id ])), { code: 'ER_LOCK_WAIT_TIMEOUT' });
    } finally {
      await holder.rollback();
    }
    await pooledTransaction(app.model, transaction => transactionExecute(transaction, 'SELECT id FROM `user` WHERE id = ? FOR UPDATE', [ id ]));
  });
});
