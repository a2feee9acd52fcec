'use strict';
// The version of each group's groupinfo answer (docs/performance.md "groupinfo: the members'
// page served from its version"): one row per group that ever changed, `version` replaced by a
// new UUID_SHORT() (unique on this server, never reused) by every write that can change what
// groupinfo answers a member, as the friend list's version does (20261207200001):
// - its chat_group row: inserted, deleted, or updated in a column of G (create_time, id, uuid,
//   user_id, name, avatar, remark, invite_confirm, status, order);
// - its chat_group_user rows: inserted, deleted, or updated in a column groupinfo shows or
//   selects by (id, group_id, user_id, nickname, avatar, status, order, create_time);
// - a member's `user` row: inserted, deleted, or updated in id, username, nickname, avatar,
//   uuid, role, status or is_deleted (every group the user has a row in: the
//   idx_chat_group_user_user range).
// Triggers, so rows written straight by SQL count too. A session may pause them for a bulk load
// (SET @group_version_paused = 1); a group without a row has no kept answer (the service keeps
// only versioned answers), so a paused load costs speed, never a stale answer.

const ACTIVE = '@group_version_paused IS NULL';
const bump = group => `INSERT INTO group_version (group_id, version) VALUES (${group}, UUID_SHORT())
  ON DUPLICATE KEY UPDATE version = VALUES(version);`;
// Every group the user `id` has a membership or application row in.
const bumpGroupsOf = id => `INSERT INTO group_version (group_id, version)
  SELECT m.group_id, UUID_SHORT() FROM chat_group_user m WHERE m.user_id = ${id} ORDER BY m.group_id
  ON DUPLICATE KEY UPDATE version = VALUES(version);`;
// Case and accents count: utf8mb4_*_ci compares 'Bob' equal to 'bob'.
const changed = columns => columns.map(column => `NOT (CAST(NEW.\`${column}\` AS BINARY) <=> CAST(OLD.\`${column}\` AS BINARY))`).join(' OR ');
const GROUP_COLUMNS = [ 'create_time', 'id', 'uuid', 'user_id', 'name', 'avatar', 'remark', 'invite_confirm', 'status', 'order' ];
const MEMBER_COLUMNS = [ 'id', 'group_id', 'user_id', 'nickname', 'avatar', 'status', 'order', 'create_time' ];
const USER_COLUMNS = [ 'id', 'username', 'nickname', 'avatar', 'uuid', 'role', 'status', 'is_deleted' ];
const TRIGGERS = [ 'g_insert', 'g_delete', 'g_update', 'm_insert', 'm_delete', 'm_update', 'user_insert', 'user_delete', 'user_update' ];

/** @type {import('sequelize-cli').Migration} */
module.exports = {
  async up(queryInterface) {
    const run = sql => queryInterface.sequelize.query(sql);
    await run(`
      CREATE TABLE group_version (
        group_id INT UNSIGNED NOT NULL PRIMARY KEY,
        version BIGINT UNSIGNED NOT NULL
      ) ENGINE=InnoDB`);

    await run(`CREATE TRIGGER group_version_g_insert AFTER INSERT ON chat_group FOR EACH ROW
      BEGIN IF ${ACTIVE} THEN ${bump('NEW.id')} END IF; END`);
    await run(`CREATE TRIGGER group_version_g_delete AFTER DELETE ON chat_group FOR EACH ROW
      BEGIN IF ${ACTIVE} THEN ${bump('OLD.id')} END IF; END`);
    await run(`CREATE TRIGGER group_version_g_update AFTER UPDATE ON chat_group FOR EACH ROW
      BEGIN
        IF ${ACTIVE} AND (${changed(GROUP_COLUMNS)}) THEN
          ${bump('OLD.id')}
          IF NEW.id <> OLD.id THEN ${bump('NEW.id')} END IF;
        END IF;
      END`);

    await run(`CREATE TRIGGER group_version_m_insert AFTER INSERT ON chat_group_user FOR EACH ROW
      BEGIN IF ${ACTIVE} THEN ${bump('NEW.group_id')} END IF; END`);
    await run(`CREATE TRIGGER group_version_m_delete AFTER DELETE ON chat_group_user FOR EACH ROW
      BEGIN IF ${ACTIVE} THEN ${bump('OLD.group_id')} END IF; END`);
    await run(`CREATE TRIGGER group_version_m_update AFTER UPDATE ON chat_group_user FOR EACH ROW
      BEGIN
        IF ${ACTIVE} AND (${changed(MEMBER_COLUMNS)}) THEN
          ${bump('OLD.group_id')}
          IF NEW.group_id <> OLD.group_id THEN ${bump('NEW.group_id')} END IF;
        END IF;
      END`);

    await run(`CREATE TRIGGER group_version_user_insert AFTER INSERT ON \`user\` FOR EACH ROW
      BEGIN IF ${ACTIVE} THEN ${bumpGroupsOf('NEW.id')} END IF; END`);
    await run(`CREATE TRIGGER group_version_user_delete AFTER DELETE ON \`user\` FOR EACH ROW
      BEGIN IF ${ACTIVE} THEN ${bumpGroupsOf('OLD.id')} END IF; END`);
    await run(`CREATE TRIGGER group_version_user_update AFTER UPDATE ON \`user\` FOR EACH ROW
      BEGIN
        IF ${ACTIVE} AND (${changed(USER_COLUMNS)}) THEN
          ${bumpGroupsOf('OLD.id')}
          IF NEW.id <> OLD.id THEN ${bumpGroupsOf('NEW.id')} END IF;
        END IF;
      END`);

    // Groups that exist already.
    await run('INSERT INTO group_version (group_id, version) SELECT id, UUID_SHORT() FROM chat_group ORDER BY id');
  },

  async down(queryInterface) {
    const run = sql => queryInterface.sequelize.query(sql);
    for (const name of TRIGGERS) await run(`DROP TRIGGER IF EXISTS group_version_${name}`);
    await run('DROP TABLE group_version');
  },
};
