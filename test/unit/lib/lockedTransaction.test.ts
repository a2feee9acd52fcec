import { strict as assert } from 'node:assert';
import { ServiceUnavailableError } from '../../../app/lib/errors';
import { isLockConflict, retryOnLockConflict } from '../../../app/lib/lockedTransaction';

// How mysql2 reports them, bare or wrapped by Sequelize (DatabaseError.parent / .original).
const deadlock = Object.assign(new Error('Deadlock found when trying to get lock'), { code: 'ER_LOCK_DEADLOCK', errno: 1213 });
const lockWait = Object.assign(new Error('Lock wait timeout exceeded'), { code: 'ER_LOCK_WAIT_TIMEOUT', errno: 1205 });
const wrapped = (cause: Error) => Object.assign(new Error(cause.message), { name: 'SequelizeDatabaseError', parent: cause, original: cause });

describe('app/lib/lockedTransaction', () => {
  it('isLockConflict: deadlocks and lock-wait timeouts, bare or wrapped; nothing else', () => {
    for (const err of [ deadlock, lockWait, wrapped(deadlock), wrapped(lockWait) ]) assert.equal(isLockConflict(err), true);
    const duplicate = Object.assign(new Error('Duplicate entry'), { code: 'ER_DUP_ENTRY' });
    for (const err of [ duplicate, wrapped(duplicate), new Error('x'), null, undefined, 'ER_LOCK_DEADLOCK' ]) assert.equal(isLockConflict(err), false);
  });

  it('retryOnLockConflict: runs the work again once after a conflict', async () => {
    const failures = [ wrapped(deadlock) ];
    let runs = 0;
    const result = await retryOnLockConflict(async () => {
      runs++;
      const failure = failures.shift();
      if (failure) throw failure;
      return 'done';
    });
    assert.deepEqual([ result, runs ], [ 'done', 2 ]);
  });

  it('retryOnLockConflict: a second conflict is a ServiceUnavailableError (503); `retries` sets how many tries', async () => {
    let runs = 0;
    await assert.rejects(retryOnLockConflict(async () => { runs++; throw lockWait; }), ServiceUnavailableError);
    assert.equal(runs, 2);
    runs = 0;
    await assert.rejects(retryOnLockConflict(async () => { runs++; throw deadlock; }, 3), ServiceUnavailableError);
    assert.equal(runs, 4);
  });

  it('retryOnLockConflict: other errors pass through at once', async () => {
    let runs = 0;
    const boom = new TypeError('boom');
    await assert.rejects(retryOnLockConflict(async () => { runs++; throw boom; }), err => err === boom);
    assert.equal(runs, 1);
  });
});
