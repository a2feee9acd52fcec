'use strict';
// The version of each user's inbox of friend applications (docs/performance.md
// "listapplyfriend: a page served from its version"): one row per user who ever received an
// application, `version` replaced by a new UUID_SHORT() (unique on this server, never reused,
// also across TRUNCATEs and restarts) by every write that can change what listapplyfriend
// answers that user, as the friend list's version does (20261207200001):
// - the applications to them (goodfriendapply rows whose friend_id is theirs): inserted,
//   deleted, or updated in any column (the page shows them all);
// - an applicant's `user` row: inserted, deleted, or updated in id, username, nickname, avatar,
//   uuid, status or is_deleted (every user the applicant applied to: the uk_apply_pair range),
//   which the items show or which leave the applicant out of the page and the pending count.
// Triggers, so rows written straight by SQL count too. A session may pause them for a bulk load
// (SET @apply_inbox_version_paused = 1); a user without a row has no kept page (the service
// keeps only versioned pages), so a paused load costs speed, never a stale answer.

const ACTIVE = '@apply_inbox_version_paused IS NULL';
const bump = owner => `INSERT INTO apply_inbox_version (user_id, version) VALUES (${owner}, UUID_SHORT())
  ON DUPLICATE KEY UPDATE version = VALUES(version);`;
// Everyone the user `id` applied to: the uk_apply_pair range, in friend_id order.
const bumpTargets = id => `INSERT INTO apply_inbox_version (user_id, version)
  SELECT a.friend_id, UUID_SHORT() FROM goodfriendapply a WHERE a.user_id = ${id} ORDER BY a.friend_id
  ON DUPLICATE KEY UPDATE version = VALUES(version);`;
// Case and accents count: utf8mb4_*_ci compares 'Bob' equal to 'bob'.
const changed = columns => columns.map(column => `NOT (CAST(NEW.\`${column}\` AS BINARY) <=> CAST(OLD.\`${column}\` AS BINARY))`).join(' OR ');
const APPLICATION_COLUMNS = [ 'id', 'user_id', 'friend_id', 'nickname', 'friendlookme', 'melookfriend', 'ismystarfriend', 'isblack', 'status',
  'order', 'create_time', 'update_time' ];
const USER_COLUMNS = [ 'id', 'username', 'nickname', 'avatar', 'uuid', 'status', 'is_deleted' ];
const TRIGGERS = [ 'a_insert', 'a_delete', 'a_update', 'user_insert', 'user_delete', 'user_update' ];

/** @type {import('sequelize-cli').Migration} */
module.exports = {
  async up(queryInterface) {
    const run = sql => queryInterface.sequelize.query(sql);
    await run(`
      CREATE TABLE apply_inbox_version (
        user_id INT UNSIGNED NOT NULL PRIMARY KEY,
        version BIGINT UNSIGNED NOT NULL
      ) ENGINE=InnoDB`);

    await run(`CREATE TRIGGER apply_inbox_version_a_insert AFTER INSERT ON goodfriendapply FOR EACH ROW
      BEGIN IF ${ACTIVE} THEN ${bump('NEW.friend_id')} END IF; END`);
    await run(`CREATE TRIGGER apply_inbox_version_a_delete AFTER DELETE ON goodfriendapply FOR EACH ROW
      BEGIN IF ${ACTIVE} THEN ${bump('OLD.friend_id')} END IF; END`);
    await run(`CREATE TRIGGER apply_inbox_version_a_update AFTER UPDATE ON goodfriendapply FOR EACH ROW
      BEGIN
        IF ${ACTIVE} AND (${changed(APPLICATION_COLUMNS)}) THEN
          ${bump('OLD.friend_id')}
          IF NEW.friend_id <> OLD.friend_id THEN ${bump('NEW.friend_id')} END IF;
        END IF;
      END`);

    await run(`CREATE TRIGGER apply_inbox_version_user_insert AFTER INSERT ON \`user\` FOR EACH ROW
      BEGIN IF ${ACTIVE} THEN ${bumpTargets('NEW.id')} END IF; END`);
    await run(`CREATE TRIGGER apply_inbox_version_user_delete AFTER DELETE ON \`user\` FOR EACH ROW
      BEGIN IF ${ACTIVE} THEN ${bumpTargets('OLD.id')} END IF; END`);
    await run(`CREATE TRIGGER apply_inbox_version_user_update AFTER UPDATE ON \`user\` FOR EACH ROW
      BEGIN
        IF ${ACTIVE} AND (${changed(USER_COLUMNS)}) THEN
          ${bumpTargets('OLD.id')}
          IF NEW.id <> OLD.id THEN ${bumpTargets('NEW.id')} END IF;
        END IF;
      END`);

    // Inboxes that exist already.
    await run(`INSERT INTO apply_inbox_version (user_id, version)
      SELECT friend_id, UUID_SHORT() FROM goodfriendapply GROUP BY friend_id ORDER BY friend_id`);
  },

  async down(queryInterface) {
    const run = sql => queryInterface.sequelize.query(sql);
    for (const name of TRIGGERS) await run(`DROP TRIGGER IF EXISTS apply_inbox_version_${name}`);
    await run('DROP TABLE apply_inbox_version');
  },
};
