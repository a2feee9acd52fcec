import { strict as assert } from 'node:assert';
import { app } from 'egg-mock/bootstrap';
import { QueryTypes } from 'sequelize';
import { escapeLike } from '../../../app/lib/account/like';
// eslint-disable-next-line @typescript-eslint/no-var-requires
const { reindex } = require('../../../scripts/search-reindex.js');

// The contract's search, written the plain way: the gram index must return exactly this.
const PLAIN_LIKE = `
  SELECT id, username, avatar, role, uuid, nickname FROM user
  WHERE username LIKE :contains ESCAPE '\\\\'
    AND id <> :callerId AND status = 1 AND is_deleted = 0 AND role <> 'visitor'
  ORDER BY username = :keyword DESC, username LIKE :prefix ESCAPE '\\\\' DESC, id ASC
  LIMIT :limit`;

function plainSearch(keyword: string, limit: number, callerId: number) {
  const pattern = escapeLike(keyword);
  return app.model.query(PLAIN_LIKE, {
    type: QueryTypes.SELECT,
    replacements: { contains: `%${pattern}%`, prefix: `${pattern}%`, keyword, callerId, limit },
  });
}

function indexedSearch(keyword: string, limit: number, callerId: number) {
  return app.mockContext().service.account.search.users(keyword, limit, callerId);
}

/** A seeded PRNG (Park-Miller), so a run can be replayed from its seed. */
function prng(seed: number) {
  let state = (Math.abs(Math.floor(seed)) % 2147483646) + 1;
  return () => {
    state = (state * 48271) % 2147483647;
    return (state - 1) / 2147483646;
  };
}

// Few letters, so names share substrings; LIKE's wildcards and escape; both cases; letters
// the collation folds (é/É/E, ß/s); a space; CJK and an emoji (4-byte UTF-8).
const ALPHABET = [ ...'aabbAB_x%\\ eEéÉßs中😀0' ];

async function insertUser(username: string, standing: { status: number; is_deleted: number; role: string }) {
  const [ id ] = await app.model.query(
    `INSERT IGNORE INTO user (uuid, username, password, avatar, status, is_deleted, role, register_time, create_time, update_time)
     VALUES (UUID(), :username, 'x', 'a.png', :status, :is_deleted, :role, NOW(3), NOW(3), NOW(3))`,
    { type: QueryTypes.INSERT, replacements: { username, ...standing } },
  );
  return id as number;
}

describe('search service: gram index versus plain LIKE', () => {
  it('returns exactly what the plain LIKE query returns, order included, for random data', async function() {
    this.timeout(120000);
    const seed = Number(process.env.SEARCH_SEED) || Date.now();
    const random = prng(seed);
    const pick = <T>(list: T[]) => list[Math.floor(random() * list.length)];
    const text = (min: number, max: number) => {
      const length = min + Math.floor(random() * (max - min + 1));
      return Array.from({ length }, () => pick(ALPHABET)).join('');
    };

    const names: string[] = [];
    for (let i = 0; i < 400; i++) {
      const username = text(1, 20).trim() || 'a';
      const roll = random();
      const standing = {
        status: roll < 0.1 ? 0 : 1,
        is_deleted: roll >= 0.1 && roll < 0.2 ? 1 : 0,
        role: roll >= 0.2 && roll < 0.3 ? 'visitor' : 'user',
      };
      if (await insertUser(username, standing)) names.push(username);
    }
    const [{ maxId }] = await app.model.query('SELECT MAX(id) AS maxId FROM user', { type: QueryTypes.SELECT }) as any[];

    let compared = 0;
    let nonEmpty = 0;
    for (let i = 0; i < 400; i++) {
      const roll = random();
      let keyword: string;
      if (roll < 0.5) {
        const name = [ ...pick(names) ];
        const start = Math.floor(random() * name.length);
        keyword = name.slice(start, start + 1 + Math.floor(random() * 8)).join('');
      } else if (roll < 0.9) {
        keyword = text(1, 6);
      } else {
        keyword = text(1, 25);
      }
      keyword = keyword.trim(); // as the request rule trims it
      if (!keyword) continue;
      const limit = 1 + Math.floor(random() * 50);
      const callerId = 1 + Math.floor(random() * maxId);
      const expected = await plainSearch(keyword, limit, callerId);
      const actual = await indexedSearch(keyword, limit, callerId);
      assert.deepEqual(actual, expected, `seed ${seed}, keyword ${JSON.stringify(keyword)}, limit ${limit}, caller ${callerId}`);
      compared++;
      if (expected.length) nonEmpty++;
    }
    // The data must exercise the index: most comparisons have results.
    assert.ok(compared > 350 && nonEmpty > compared / 2, `only ${nonEmpty} of ${compared} searches found anything`);
  });

  it('finds rows inserted, renamed and re-enabled straight by SQL, and drops deleted ones', async () => {
    const listable = { status: 1, is_deleted: 0, role: 'user' };
    const callerId = await insertUser('caller', listable);
    const id = await insertUser('Zorro_99', listable);
    assert.deepEqual((await indexedSearch('RRO_9', 20, callerId)).map(u => u.id), [ id ]);

    await app.model.query("UPDATE user SET username = 'Bandit%7' WHERE id = :id", { replacements: { id } });
    assert.deepEqual(await indexedSearch('rro', 20, callerId), []);
    assert.deepEqual((await indexedSearch('t%7', 20, callerId)).map(u => u.id), [ id ]);

    await app.model.query('UPDATE user SET status = 0 WHERE id = :id', { replacements: { id } });
    assert.deepEqual(await indexedSearch('bandit', 20, callerId), []);
    await app.model.query('UPDATE user SET status = 1 WHERE id = :id', { replacements: { id } });
    assert.deepEqual((await indexedSearch('bandit', 20, callerId)).map(u => u.id), [ id ]);

    await app.model.query('DELETE FROM user WHERE id = :id', { replacements: { id } });
    assert.deepEqual(await indexedSearch('bandit', 20, callerId), []);
    const [{ grams }] = await app.model.query(
      'SELECT COUNT(*) AS grams FROM user_search_gram WHERE user_id = :id', { type: QueryTypes.SELECT, replacements: { id } }) as any[];
    assert.equal(grams, 0);
  });

  it('npm run search:reindex makes rows written with the triggers paused searchable', async () => {
    const listable = { status: 1, is_deleted: 0, role: 'user' };
    const callerId = await insertUser('caller', listable);
    let id = 0;
    await app.model.transaction(async transaction => {
      await app.model.query('SET @user_search_gram_paused = 1', { transaction });
      [ id ] = await app.model.query(
        `INSERT INTO user (uuid, username, password, avatar, register_time, create_time, update_time)
         VALUES (UUID(), 'bulk_loaded', 'x', 'a.png', NOW(3), NOW(3), NOW(3))`, { type: QueryTypes.INSERT, transaction }) as any;
      await app.model.query('SET @user_search_gram_paused = NULL', { transaction });
    });
    assert.deepEqual(await indexedSearch('k_lo', 20, callerId), []);

    const { sequelize } = app.config as any;
    const mysql = await import('mysql2/promise');
    const connection = await mysql.createConnection({
      host: sequelize.host, port: sequelize.port, user: sequelize.username, password: sequelize.password, database: sequelize.database,
    });
    try {
      await reindex(connection);
    } finally {
      await connection.end();
    }
    assert.deepEqual((await indexedSearch('k_lo', 20, callerId)).map(u => u.id), [ id ]);
    assert.deepEqual((await indexedSearch('CALL', 20, id)).map(u => u.id), [ callerId ]);
  });
});
