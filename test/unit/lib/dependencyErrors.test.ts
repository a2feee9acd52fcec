import { strict as assert } from 'node:assert';
import { app } from 'egg-mock/bootstrap';
import mysql2 from 'mysql2';
import { ConnectionError, HostNotFoundError, HostNotReachableError, QueryTypes, Sequelize, Transaction } from 'sequelize';
import {
  isDeadlock, isLockConflict, isTimeout, isUnavailable, isUnreachable, retryOnLockConflict,
} from '../../../app/lib/dependencyErrors';
import { ServiceUnavailableError } from '../../../app/lib/errors';
import { mysql2WithQueryTimeout } from '../../../app/lib/mysqlQueryTimeout';
import { CLOSED_PORT, assertClosed, mysqlAt, silentServer } from '../../faults';
import { testPort } from '../../ports';

// Every error below is produced for real against the MariaDB and Redis of the tests (or a port
// nothing listens on), raw from mysql2/ioredis and wrapped by Sequelize as the app meets them.
// Only a failed DNS lookup and an unroutable host cannot be produced here: those two are real
// Sequelize classes around a driver error of the shape Node gives.

type Check = (err: unknown) => boolean;
const CHECKS: Record<string, Check> = { isLockConflict, isDeadlock, isUnreachable, isTimeout, isUnavailable };
type Kind = 'lockWait' | 'deadlock' | 'unreachable' | 'timeout' | 'unavailable' | 'other';
const EXPECTED: Record<Kind, string[]> = {
  lockWait: [ 'isLockConflict' ],
  deadlock: [ 'isLockConflict', 'isDeadlock' ],
  unreachable: [ 'isUnreachable', 'isUnavailable' ],
  timeout: [ 'isTimeout', 'isUnavailable' ],
  unavailable: [ 'isUnavailable' ], // no connection, neither refused nor timed out
  other: [],
};

const errors = new Map<string, { kind: Kind; err: unknown }>();
const caught = (promise: Promise<unknown>) => promise.then(
  () => { throw new Error('expected a failure'); },
  (err: unknown) => err);

const silentPort = testPort(7148);

function sequelize(options: object = {}) {
  const { host, port, database, username, password } = app.config.sequelize as any;
  return new Sequelize(database, username, password, { dialect: 'mysql', host, port, logging: false, retry: { max: 0 }, ...options });
}

/** `SELECT ... FOR UPDATE` of one row of the migrations' table (read only, always there). */
const lock = (db: Sequelize, transaction: Transaction, name: string) =>
  db.query('SELECT name FROM sequelize_meta WHERE name = :name FOR UPDATE', { replacements: { name }, transaction });
const shortLockWait = (db: Sequelize, transaction: Transaction) => db.query('SET SESSION innodb_lock_wait_timeout = 1', { transaction });

async function mysqlErrors(db: Sequelize, rows: string[]) {
  // Lock wait timeout (1205): B waits 1 s for the row A holds.
  const a = await db.transaction();
  await lock(db, a, rows[0]);
  const lockWait = await db.transaction(async b => {
    await shortLockWait(db, b);
    return caught(lock(db, b, rows[0]));
  });
  await a.rollback();
  errors.set('lock wait timeout (Sequelize)', { kind: 'lockWait', err: lockWait });
  errors.set('lock wait timeout (mysql2)', { kind: 'lockWait', err: (lockWait as any).parent });

  // Deadlock (1213): A holds row 0 and wants row 1, B holds row 1 and wants row 0.
  const [ ta, tb ] = [ await db.transaction(), await db.transaction() ];
  await lock(db, ta, rows[0]);
  await lock(db, tb, rows[1]);
  const outcomes = await Promise.all([ lock(db, ta, rows[1]).then(() => null, err => err), lock(db, tb, rows[0]).then(() => null, err => err) ]);
  await Promise.all([ ta.rollback().catch(() => undefined), tb.rollback().catch(() => undefined) ]);
  const deadlock = outcomes.find(Boolean);
  errors.set('deadlock (Sequelize)', { kind: 'deadlock', err: deadlock });
  errors.set('deadlock (mysql2)', { kind: 'deadlock', err: deadlock.parent });

  // A query whose connection the server kills mid-way (the pool then drops that connection).
  const sleeping = caught(db.query('SELECT SLEEP(31)'));
  let victim: { id: number } | undefined;
  while (!victim) {
    [ victim ] = await db.query<{ id: number }>(
      'SELECT id FROM information_schema.processlist WHERE db = DATABASE() AND info = \'SELECT SLEEP(31)\'', { type: QueryTypes.SELECT });
    if (!victim) await new Promise(resolve => setTimeout(resolve, 20));
  }
  await db.query(`KILL ${Number(victim.id)}`);
  const lost = await sleeping;
  errors.set('connection lost (Sequelize)', { kind: 'unreachable', err: lost });
  errors.set('connection lost (mysql2)', { kind: 'unreachable', err: (lost as any).parent });

  // Not a dependency failure: a statement MariaDB refuses.
  const parse = await caught(db.query('SELECT FROM'));
  errors.set('syntax error (Sequelize)', { kind: 'other', err: parse });
  errors.set('syntax error (mysql2)', { kind: 'other', err: (parse as any).parent });
  errors.set('TypeError', { kind: 'other', err: new TypeError('Cannot read properties of undefined') });
}

async function mysqlTimeouts() {
  // The app's per-query timeout (app/lib/mysqlQueryTimeout.ts), here 100 ms.
  const timed = sequelize({ dialectModule: mysql2WithQueryTimeout(100) });
  const queryTimeout = await caught(timed.query('SELECT SLEEP(30)'));
  await timed.close();
  errors.set('query timeout (Sequelize)', { kind: 'timeout', err: queryTimeout });
  errors.set('query timeout (mysql2)', { kind: 'timeout', err: (queryTimeout as any).parent });

  // The pool's only connection is held: waiting for it ends after `acquire`.
  const small = sequelize({ pool: { max: 1, acquire: 100 } });
  const holder = await small.transaction();
  const acquire = await caught(small.query('SELECT 1'));
  await holder.rollback();
  await small.close();
  errors.set('pool acquire timeout (Sequelize)', { kind: 'timeout', err: acquire });

  // A server that accepts and never answers: the connect times out.
  const server = await silentServer(silentPort);
  try {
    const hung = mysqlAt(silentPort, 100);
    const connectTimeout = await caught(hung.query('SELECT 1'));
    await hung.close();
    errors.set('connect timeout (Sequelize)', { kind: 'timeout', err: connectTimeout });
    errors.set('connect timeout (mysql2)', { kind: 'timeout', err: (connectTimeout as any).parent });
  } finally {
    server.close();
  }
}

async function unreachableMysql() {
  await assertClosed(CLOSED_PORT);
  const down = mysqlAt(CLOSED_PORT);
  const refused = await caught(down.query('SELECT 1'));
  await down.close();
  errors.set('refused (Sequelize)', { kind: 'unreachable', err: refused });
  const raw = await new Promise(resolve => {
    const connection = mysql2.createConnection({ host: '127.0.0.1', port: CLOSED_PORT });
    connection.once('error', resolve);
  });
  errors.set('refused (mysql2)', { kind: 'unreachable', err: raw });

  const closed = mysql2.createConnection({ host: '127.0.0.1', port: (app.config.sequelize as any).port, user: 'root' });
  await new Promise<void>((resolve, reject) => closed.query('SELECT 1', err => (err ? reject(err) : resolve())));
  await new Promise<void>(resolve => closed.end(() => resolve()));
  errors.set('closed connection (mysql2)', { kind: 'unreachable', err: await new Promise(resolve => closed.query('SELECT 1', resolve)) });

  const cause = (code: string, message: string) => Object.assign(new Error(message), { code, syscall: 'connect' });
  errors.set('host not found (Sequelize)', { kind: 'unreachable', err: new HostNotFoundError(cause('ENOTFOUND', 'getaddrinfo ENOTFOUND db.invalid')) });
  errors.set('host unreachable (Sequelize)', { kind: 'unreachable', err: new HostNotReachableError(cause('EHOSTUNREACH', 'connect EHOSTUNREACH 10.0.0.1:3306')) });
  errors.set('other connection failure (Sequelize)', { kind: 'unavailable', err: new ConnectionError(cause('ER_CON_COUNT_ERROR', 'Too many connections')) });
}

async function redisErrors() {
  const Redis = app.redis.constructor as new (options: object) => typeof app.redis;
  const { host, port, db } = (app.config.redis as any).client;
  const quiet = <T extends { on(event: string, listener: () => void): unknown }>(client: T) => { client.on('error', () => undefined); return client; };

  const disconnected = new Redis({ host, port, db });
  await disconnected.ping();
  disconnected.disconnect();
  errors.set('command on a disconnected client (ioredis)', { kind: 'unreachable', err: await caught(disconnected.get('k')) });

  const offline = quiet(new Redis({ host: '127.0.0.1', port: CLOSED_PORT, enableOfflineQueue: false, retryStrategy: () => null }));
  errors.set('refused, offline queue off (ioredis)', { kind: 'unreachable', err: await caught(offline.get('k')) });
  offline.disconnect();

  const retrying = quiet(new Redis({ host: '127.0.0.1', port: CLOSED_PORT, maxRetriesPerRequest: 0 }));
  errors.set('max retries per request (ioredis)', { kind: 'unavailable', err: await caught(retrying.get('k')) });
  retrying.disconnect();

  const slow = new Redis({ host, port, db, commandTimeout: 50 });
  errors.set('command timeout (ioredis)', { kind: 'timeout', err: await caught(slow.blpop('dependency-errors:none', 30)) });
  slow.disconnect();
}

describe('app/lib/dependencyErrors', () => {
  before(async () => {
    const db = sequelize();
    const rows = (await db.query<{ name: string }>('SELECT name FROM sequelize_meta ORDER BY name LIMIT 2', { type: QueryTypes.SELECT }))
      .map(row => row.name);
    assert.equal(rows.length, 2);
    await mysqlErrors(db, rows);
    await db.close();
    await mysqlTimeouts();
    await unreachableMysql();
    await redisErrors();
  });

  it('produced the real errors it classifies', () => {
    const shape = (name: string) => {
      const err = errors.get(name)!.err as any;
      return [ err?.name, err?.code ?? err?.parent?.code ];
    };
    assert.deepEqual(shape('lock wait timeout (Sequelize)'), [ 'SequelizeDatabaseError', 'ER_LOCK_WAIT_TIMEOUT' ]);
    assert.equal((errors.get('lock wait timeout (mysql2)')!.err as any).errno, 1205);
    assert.deepEqual(shape('deadlock (Sequelize)'), [ 'SequelizeDatabaseError', 'ER_LOCK_DEADLOCK' ]);
    assert.equal((errors.get('deadlock (mysql2)')!.err as any).errno, 1213);
    assert.deepEqual(shape('connection lost (mysql2)'), [ 'Error', 'PROTOCOL_CONNECTION_LOST' ]);
    assert.deepEqual(shape('query timeout (mysql2)'), [ 'Error', 'PROTOCOL_SEQUENCE_TIMEOUT' ]);
    assert.equal(shape('pool acquire timeout (Sequelize)')[0], 'SequelizeConnectionAcquireTimeoutError');
    assert.deepEqual(shape('connect timeout (Sequelize)'), [ 'SequelizeConnectionError', 'ETIMEDOUT' ]);
    assert.deepEqual(shape('refused (Sequelize)'), [ 'SequelizeConnectionRefusedError', 'ECONNREFUSED' ]);
    assert.deepEqual(shape('refused (mysql2)'), [ 'Error', 'ECONNREFUSED' ]);
    assert.match((errors.get('closed connection (mysql2)')!.err as Error).message, /closed state/);
    assert.match((errors.get('command on a disconnected client (ioredis)')!.err as Error).message, /^Connection is closed/);
    assert.match((errors.get('refused, offline queue off (ioredis)')!.err as Error).message, /^Stream isn't writeable/);
    assert.equal(shape('max retries per request (ioredis)')[0], 'MaxRetriesPerRequestError');
    assert.match((errors.get('command timeout (ioredis)')!.err as Error).message, /^Command timed out/);
  });

  it('classifies each one as what it is, and as nothing else', () => {
    assert.equal(errors.size, 24);
    for (const [ name, { kind, err }] of errors) {
      const said = Object.entries(CHECKS).filter(([ , check ]) => check(err)).map(([ check ]) => check);
      assert.deepEqual(said, EXPECTED[kind], name);
    }
  });

  it('says no to what is not an error object', () => {
    for (const value of [ null, undefined, 'ER_LOCK_DEADLOCK', 'ECONNREFUSED', 1213, {}]) {
      for (const [ name, check ] of Object.entries(CHECKS)) assert.equal(check(value), false, `${name}(${String(value)})`);
    }
  });

  describe('retryOnLockConflict', () => {
    /** A row held by another transaction, and a whole transaction that waits at most 1 s for it. */
    async function heldRow() {
      const db = sequelize();
      const [{ name }] = await db.query<{ name: string }>('SELECT name FROM sequelize_meta ORDER BY name LIMIT 1', { type: QueryTypes.SELECT });
      const holder = await db.transaction();
      await lock(db, holder, name);
      const work = () => db.transaction(async t => {
        await shortLockWait(db, t);
        await lock(db, t, name);
        return 'locked';
      });
      return { db, holder, work };
    }

    it('runs the work again after a real lock conflict, and returns what the retry returns', async () => {
      const { db, holder, work } = await heldRow();
      let runs = 0;
      const result = await retryOnLockConflict(async () => {
        runs++;
        try {
          return await work();
        } finally {
          if (runs === 1) await holder.rollback(); // the other transaction ends
        }
      });
      await db.close();
      assert.deepEqual([ result, runs ], [ 'locked', 2 ]);
    });

    it('gives up with ServiceUnavailableError (503) after `retries` more runs', async () => {
      const { db, holder, work } = await heldRow();
      let runs = 0;
      await assert.rejects(retryOnLockConflict(() => { runs++; return work(); }), ServiceUnavailableError);
      assert.equal(runs, 2);
      runs = 0;
      await assert.rejects(retryOnLockConflict(() => { runs++; return work(); }, { retries: 2, backoffMs: 0 }), ServiceUnavailableError);
      assert.equal(runs, 3);
      await holder.rollback();
      await db.close();
    });

    it('passes any other error through at once', async () => {
      for (const name of [ 'syntax error (Sequelize)', 'refused (Sequelize)', 'command on a disconnected client (ioredis)' ]) {
        const { err } = errors.get(name)!;
        let runs = 0;
        await assert.rejects(retryOnLockConflict(async () => { runs++; throw err; }), thrown => thrown === err);
        assert.equal(runs, 1, name);
      }
    });
  });
});
