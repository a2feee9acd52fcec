'use strict';
// The search index of usernames (README "Performance"): every 1-, 2- and 3-character
// substring of a username, plus its first 1-3 characters marked as a prefix, one row each.
// Triggers keep it in step with every write to `user`, so rows written straight by SQL are
// searchable at once. `gram` has the collation of `user.username`, so a lookup compares
// exactly the way LIKE on the username does (letter case included).
// A TRUNCATE of `user` fires no trigger, and a session may pause the triggers for a bulk load
// (SET @user_search_gram_paused = 1): run `npm run search:reindex` after either.

const GRAM_WHERE = 's.pos + s.len - 1 <= CHAR_LENGTH(%s.username)';

// The grams of one row (NEW or OLD), from the slot table.
const gramsOf = row => `
  SELECT SUBSTRING(${row}.username, s.pos, s.len) AS gram, s.is_prefix, ${row}.id AS user_id
  FROM user_search_gram_slot s
  WHERE ${GRAM_WHERE.replace('%s', row)}`;

const insertGrams = row => `INSERT IGNORE INTO user_search_gram (gram, is_prefix, user_id) ${gramsOf(row)};`;

const deleteGrams = row => `
  DELETE g FROM user_search_gram g
  JOIN user_search_gram_slot s
    ON g.gram = SUBSTRING(${row}.username, s.pos, s.len) AND g.is_prefix = s.is_prefix AND g.user_id = ${row}.id
  WHERE ${GRAM_WHERE.replace('%s', row)};`;

/** @type {import('sequelize-cli').Migration} */
module.exports = {
  async up(queryInterface) {
    const run = sql => queryInterface.sequelize.query(sql);
    await run(`
      CREATE TABLE user_search_gram (
        gram VARCHAR(3) CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci NOT NULL,
        is_prefix TINYINT UNSIGNED NOT NULL,
        user_id INT UNSIGNED NOT NULL,
        PRIMARY KEY (gram, is_prefix, user_id)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci`);

    // Which substrings a username has: (pos, len) for every position of a VARCHAR(20)
    // (a wider column needs more rows here), and the prefixes (pos 1, is_prefix 1).
    await run(`
      CREATE TABLE user_search_gram_slot (
        pos TINYINT UNSIGNED NOT NULL,
        len TINYINT UNSIGNED NOT NULL,
        is_prefix TINYINT UNSIGNED NOT NULL,
        PRIMARY KEY (pos, len, is_prefix)
      ) ENGINE=InnoDB`);
    const slots = [];
    for (let pos = 1; pos <= 20; pos++) for (let len = 1; len <= 3; len++) slots.push(`(${pos}, ${len}, 0)`);
    for (let len = 1; len <= 3; len++) slots.push(`(1, ${len}, 1)`);
    await run(`INSERT INTO user_search_gram_slot (pos, len, is_prefix) VALUES ${slots.join(', ')}`);

    const ACTIVE = '@user_search_gram_paused IS NULL';
    await run(`
      CREATE TRIGGER user_search_gram_insert AFTER INSERT ON \`user\` FOR EACH ROW
      BEGIN
        IF ${ACTIVE} THEN ${insertGrams('NEW')} END IF;
      END`);
    await run(`
      CREATE TRIGGER user_search_gram_update AFTER UPDATE ON \`user\` FOR EACH ROW
      BEGIN
        IF ${ACTIVE} AND (NEW.id <> OLD.id OR CAST(NEW.username AS BINARY) <> CAST(OLD.username AS BINARY)) THEN
          ${deleteGrams('OLD')}
          ${insertGrams('NEW')}
        END IF;
      END`);
    await run(`
      CREATE TRIGGER user_search_gram_delete AFTER DELETE ON \`user\` FOR EACH ROW
      BEGIN
        IF ${ACTIVE} THEN ${deleteGrams('OLD')} END IF;
      END`);

    // Backfill the rows that exist already, in index order (much faster than random order).
    await run(`
      INSERT IGNORE INTO user_search_gram (gram, is_prefix, user_id)
      SELECT SUBSTRING(u.username, s.pos, s.len) AS gram, s.is_prefix, u.id
      FROM \`user\` u JOIN user_search_gram_slot s ON ${GRAM_WHERE.replace('%s', 'u')}
      ORDER BY gram, s.is_prefix, u.id`);
  },

  async down(queryInterface) {
    const run = sql => queryInterface.sequelize.query(sql);
    for (const name of [ 'insert', 'update', 'delete' ]) await run(`DROP TRIGGER IF EXISTS user_search_gram_${name}`);
    await run('DROP TABLE IF EXISTS user_search_gram_slot');
    await run('DROP TABLE IF EXISTS user_search_gram');
  },
};
