'use strict';
// Seeds N users straight into MySQL with multi-row INSERTs. Names look like real handles
// (bench/handles.js: words and digits, pinyin, Chinese characters, mixed case), so grams are as
// skewed as in real data. Deterministic for a given N.
const { randomUUID } = require('node:crypto');
const { handleGenerator, prng } = require('./handles');

const AVATAR = 'https://thinkphp-all.oss-cn-hangzhou.aliyuncs.com/public/67b3001b2aedd.png';

// A user's standing: mostly ordinary users, some disabled, deleted or visitors.
function standing(random) {
  const roll = random();
  if (roll < 0.02) return { status: 0, isDeleted: 0, role: 'user' };
  if (roll < 0.03) return { status: 1, isDeleted: 1, role: 'user' };
  if (roll < 0.04) return { status: 1, isDeleted: 0, role: 'visitor' };
  return { status: 1, isDeleted: 0, role: 'user' };
}

const COLUMNS = [ 'uuid', 'username', 'password', 'nickname', 'avatar', 'status', 'is_deleted', 'role',
  'register_time', 'register_ip', 'create_time', 'update_time' ];

// Inserts `count` users; the first ones are named `known` (ordinary users the bench logs in
// as). Returns the seconds it took and the generated names.
async function seedUsers(pool, { count, passwordHash, known, batch = 2000, onProgress }) {
  const nextName = handleGenerator();
  const names = [];
  const random = prng(7);
  const now = new Date();
  const started = process.hrtime.bigint();
  for (let done = 0; done < count;) {
    const rows = [];
    for (; rows.length < batch && done < count; done++) {
      const username = done < known.length ? known[done] : nextName();
      if (done >= known.length) names.push(username);
      const { status, isDeleted, role } = done < known.length ? standing(() => 1) : standing(random);
      rows.push([ randomUUID(), username, passwordHash, '', AVATAR, status, isDeleted, role, now, '127.0.0.1', now, now ]);
    }
    await pool.query(`INSERT INTO \`user\` (${COLUMNS.join(', ')}) VALUES ?`, [ rows ]);
    if (onProgress) onProgress(done);
  }
  return { seconds: Number(process.hrtime.bigint() - started) / 1e9, names };
}

module.exports = { seedUsers };
