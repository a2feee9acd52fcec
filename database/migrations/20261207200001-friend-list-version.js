'use strict';
// The version of each user's friend list (docs/performance.md "goodfriendlist: a page served
// from its version"): one row per user whose list ever changed, `version` replaced by a new
// UUID_SHORT() (unique on this server, never reused, also across TRUNCATEs and restarts) by every
// write that can change what goodfriendlist answers that user:
// - their goodfriend rows: inserted, deleted, or updated in id, user_id, friend_id or nickname
//   (the remark; the flags are not on the page);
// - a friend's `user` row: inserted, deleted, or updated in id, username, nickname, avatar,
//   uuid, status or is_deleted (every lister of that friend: the new goodfriend(friend_id) index).
// Triggers, so rows written straight by SQL count too. A session may pause them for a bulk load
// (SET @friend_list_version_paused = 1); a user without a row has no cached page (the service
// caches only versioned lists), so a paused load costs speed, never a stale answer.

const ACTIVE = '@friend_list_version_paused IS NULL';
const bump = owner => `INSERT INTO friend_list_version (user_id, version) VALUES (${owner}, UUID_SHORT())
  ON DUPLICATE KEY UPDATE version = VALUES(version);`;
// Everyone whose list shows the user `id`: the idx_goodfriend_friend range.
const bumpListers = id => `INSERT INTO friend_list_version (user_id, version)
  SELECT g.user_id, UUID_SHORT() FROM goodfriend g WHERE g.friend_id = ${id} ORDER BY g.user_id
  ON DUPLICATE KEY UPDATE version = VALUES(version);`;
// Case and accents count: utf8mb4_*_ci compares 'Bob' equal to 'bob'.
const changed = columns => columns.map(column => `NOT (CAST(NEW.\`${column}\` AS BINARY) <=> CAST(OLD.\`${column}\` AS BINARY))`).join(' OR ');

/** @type {import('sequelize-cli').Migration} */
module.exports = {
  async up(queryInterface) {
    const run = sql => queryInterface.sequelize.query(sql);
    await run(`
      CREATE TABLE friend_list_version (
        user_id INT UNSIGNED NOT NULL PRIMARY KEY,
        version BIGINT UNSIGNED NOT NULL
      ) ENGINE=InnoDB`);
    await run('CREATE INDEX idx_goodfriend_friend ON goodfriend (friend_id, user_id)');

    await run(`CREATE TRIGGER friend_list_version_gf_insert AFTER INSERT ON goodfriend FOR EACH ROW
      BEGIN IF ${ACTIVE} THEN ${bump('NEW.user_id')} END IF; END`);
    await run(`CREATE TRIGGER friend_list_version_gf_delete AFTER DELETE ON goodfriend FOR EACH ROW
      BEGIN IF ${ACTIVE} THEN ${bump('OLD.user_id')} END IF; END`);
    await run(`CREATE TRIGGER friend_list_version_gf_update AFTER UPDATE ON goodfriend FOR EACH ROW
      BEGIN
        IF ${ACTIVE} AND (${changed([ 'id', 'user_id', 'friend_id', 'nickname' ])}) THEN
          ${bump('OLD.user_id')}
          IF NEW.user_id <> OLD.user_id THEN ${bump('NEW.user_id')} END IF;
        END IF;
      END`);

    await run(`CREATE TRIGGER friend_list_version_user_insert AFTER INSERT ON \`user\` FOR EACH ROW
      BEGIN IF ${ACTIVE} THEN ${bumpListers('NEW.id')} END IF; END`);
    await run(`CREATE TRIGGER friend_list_version_user_delete AFTER DELETE ON \`user\` FOR EACH ROW
      BEGIN IF ${ACTIVE} THEN ${bumpListers('OLD.id')} END IF; END`);
    await run(`CREATE TRIGGER friend_list_version_user_update AFTER UPDATE ON \`user\` FOR EACH ROW
      BEGIN
        IF ${ACTIVE} AND (${changed([ 'id', 'username', 'nickname', 'avatar', 'uuid', 'status', 'is_deleted' ])}) THEN
          ${bumpListers('OLD.id')}
          IF NEW.id <> OLD.id THEN ${bumpListers('NEW.id')} END IF;
        END IF;
      END`);

    // Lists that exist already.
    await run(`INSERT INTO friend_list_version (user_id, version)
      SELECT user_id, UUID_SHORT() FROM goodfriend GROUP BY user_id ORDER BY user_id`);
  },

  async down(queryInterface) {
    const run = sql => queryInterface.sequelize.query(sql);
    for (const name of [ 'gf_insert', 'gf_delete', 'gf_update', 'user_insert', 'user_delete', 'user_update' ]) {
      await run(`DROP TRIGGER IF EXISTS friend_list_version_${name}`);
    }
    await run('DROP INDEX idx_goodfriend_friend ON goodfriend');
    await run('DROP TABLE friend_list_version');
  },
};
