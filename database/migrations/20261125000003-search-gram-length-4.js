'use strict';
// Grams of up to 4 characters (were 3). Long keywords then look up 4-grams, which are far
// rarer than trigrams: at 1M users an exact-name search walked 1,749 candidates of its rarest
// trigram ("235" of "sun_zhou6235"). The triggers and `npm run search:reindex` read the slot
// table, so adding slots is all they need; the new grams of existing rows are backfilled here.

const NEW_LENGTH = 4;

/** @type {import('sequelize-cli').Migration} */
module.exports = {
  async up(queryInterface) {
    const run = sql => queryInterface.sequelize.query(sql);
    await run(`ALTER TABLE user_search_gram
      MODIFY gram VARCHAR(${NEW_LENGTH}) CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci NOT NULL`);
    const slots = [];
    for (let pos = 1; pos <= 20; pos++) slots.push(`(${pos}, ${NEW_LENGTH}, 0)`);
    slots.push(`(1, ${NEW_LENGTH}, 1)`);
    await run(`INSERT IGNORE INTO user_search_gram_slot (pos, len, is_prefix) VALUES ${slots.join(', ')}`);
    await run(`
      INSERT IGNORE INTO user_search_gram (gram, is_prefix, user_id)
      SELECT SUBSTRING(u.username, s.pos, s.len) AS gram, s.is_prefix, u.id
      FROM \`user\` u JOIN user_search_gram_slot s
        ON s.len = ${NEW_LENGTH} AND s.pos + s.len - 1 <= CHAR_LENGTH(u.username)
      ORDER BY gram, s.is_prefix, u.id`);
  },

  async down(queryInterface) {
    const run = sql => queryInterface.sequelize.query(sql);
    await run(`DELETE FROM user_search_gram WHERE CHAR_LENGTH(gram) = ${NEW_LENGTH}`);
    await run(`DELETE FROM user_search_gram_slot WHERE len = ${NEW_LENGTH}`);
    await run(`ALTER TABLE user_search_gram
      MODIFY gram VARCHAR(${NEW_LENGTH - 1}) CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci NOT NULL`);
  },
};
