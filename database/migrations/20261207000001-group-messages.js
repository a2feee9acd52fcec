'use strict';
// Group messages (CONTRACT-groups §B): a group's messages are `message` rows of its conversation
// (conversation.group_id). What the message object of a group carries beyond a single chat's is
// stored with the row, since the object is built once at send time:
// - `to_avatar` is the group avatar (up to 9 comma-joined member avatars, chat_group.avatar is
//   VARCHAR(4000)) and `from_avatar` a member's avatar (chat_group_user.avatar and user.avatar are
//   VARCHAR(1000)): both widened. VARCHAR(255) of utf8mb4 already has a 2-byte length prefix, so
//   MariaDB/MySQL change them in place, without copying the table.
// - `group_json`: G, the group object (without members) as at send time; NULL in single chats.
// - `from_ref`: a notice's string `from_id` (the joined notice's `redirect-applyAddGroup…`); NULL
//   when `from_id` is the sender's user id (every single-chat row).
// Single-chat rows are unchanged (NULL in both new columns).

/** @type {import('sequelize-cli').Migration} */
module.exports = {
  async up(queryInterface) {
    await queryInterface.sequelize.query('ALTER TABLE `message` ' +
      "MODIFY `from_avatar` VARCHAR(1000) NOT NULL DEFAULT '', " +
      "MODIFY `to_avatar` VARCHAR(4000) NOT NULL DEFAULT '', " +
      'ADD COLUMN `group_json` TEXT NULL AFTER `send_uuid`, ' +
      'ADD COLUMN `from_ref` VARCHAR(100) NULL AFTER `group_json`');
  },

  async down(queryInterface) {
    await queryInterface.sequelize.query('ALTER TABLE `message` DROP COLUMN `from_ref`, DROP COLUMN `group_json`, ' +
      "MODIFY `from_avatar` VARCHAR(255) NOT NULL DEFAULT '', MODIFY `to_avatar` VARCHAR(255) NOT NULL DEFAULT ''");
  },
};
