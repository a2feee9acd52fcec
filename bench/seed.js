'use strict';
// Seeds N users straight into MySQL with multi-row INSERTs. Names look like real handles
// (name fragments, capitals, digits, underscores), so grams are as skewed as in real data:
// "zhang", "li", "123" are everywhere, "qx" nowhere. Deterministic for a given N.
const { randomUUID } = require('node:crypto');

const FRAGMENTS = [
  'li', 'wang', 'zhang', 'liu', 'chen', 'yang', 'huang', 'zhao', 'wu', 'zhou', 'xu', 'sun', 'ma',
  'zhu', 'hu', 'guo', 'he', 'lin', 'luo', 'gao', 'tom', 'jack', 'anna', 'lucy', 'mike', 'max',
  'leo', 'sam', 'kate', 'amy', 'alex', 'chris', 'david', 'emma', 'lily', 'ming', 'hua', 'jun',
  'wei', 'fang', 'xiao', 'long', 'tian', 'yu', 'hao', 'star', 'cool', 'happy', 'sky', 'moon',
  'cat', 'dog', 'king', 'boy', 'girl', 'blue', 'red', 'ice', 'fox', 'neo',
];
const AVATAR = 'https://thinkphp-all.oss-cn-hangzhou.aliyuncs.com/public/67b3001b2aedd.png';

// A seeded PRNG (Park-Miller), so a run can be replayed from its seed.
function prng(seed) {
  let state = (Math.abs(Math.floor(seed)) % 2147483646) + 1;
  return () => {
    state = (state * 48271) % 2147483647;
    return (state - 1) / 2147483646;
  };
}

function nameGenerator(seed = 42) {
  const random = prng(seed);
  const pick = list => list[Math.floor(random() * list.length)];
  const capitalize = word => (random() < 0.2 ? word[0].toUpperCase() + word.slice(1) : word);
  const taken = new Set();
  return () => {
    for (;;) {
      let name = capitalize(pick(FRAGMENTS));
      if (random() < 0.6) name += (random() < 0.3 ? '_' : '') + capitalize(pick(FRAGMENTS));
      name += String(Math.floor(random() * 10 ** (1 + Math.floor(random() * 5))));
      if (name.length < 4) name += '_0';
      name = name.slice(0, 20);
      const key = name.toLowerCase();
      if (!taken.has(key)) {
        taken.add(key);
        return name;
      }
    }
  };
}

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
// as). Returns the seconds it took.
async function seedUsers(pool, { count, passwordHash, known, batch = 2000, onProgress }) {
  const nextName = nameGenerator();
  const random = prng(7);
  const now = new Date();
  const started = process.hrtime.bigint();
  for (let done = 0; done < count;) {
    const rows = [];
    for (; rows.length < batch && done < count; done++) {
      const username = done < known.length ? known[done] : nextName();
      const { status, isDeleted, role } = done < known.length ? standing(() => 1) : standing(random);
      rows.push([ randomUUID(), username, passwordHash, '', AVATAR, status, isDeleted, role, now, '127.0.0.1', now, now ]);
    }
    await pool.query(`INSERT INTO \`user\` (${COLUMNS.join(', ')}) VALUES ?`, [ rows ]);
    if (onProgress) onProgress(done);
  }
  return Number(process.hrtime.bigint() - started) / 1e9;
}

module.exports = { seedUsers };
