'use strict';
// Messaging (README "Messaging"): one `conversation` row per pair of users (or, later, per
// group) holding the next `seq` and the lock that orders a conversation's messages, and one
// `message` row per message, read by (conversation_id, seq). No foreign keys (users are never
// hard-deleted); (conversation_id, seq) is unique by the conversation lock, not declared, so the
// table can be partitioned by RANGE (id).

/** @type {import('sequelize-cli').Migration} */
module.exports = {
  async up(queryInterface, Sequelize) {
    const { BIGINT, INTEGER, TINYINT, STRING, TEXT, CHAR } = Sequelize;
    const DATE = Sequelize.DATE(3);
    const options = { charset: 'utf8mb4', collate: 'utf8mb4_unicode_ci', engine: 'InnoDB' };

    await queryInterface.createTable('conversation', {
      id: { type: BIGINT.UNSIGNED, primaryKey: true, autoIncrement: true },
      // 1 single, 2 group
      chat_type: { type: TINYINT.UNSIGNED, allowNull: false, defaultValue: 1 },
      // single: the two users, user_a < user_b; NULL for a group
      user_a: { type: INTEGER.UNSIGNED, allowNull: true },
      user_b: { type: INTEGER.UNSIGNED, allowNull: true },
      group_id: { type: INTEGER.UNSIGNED, allowNull: true },
      last_seq: { type: INTEGER.UNSIGNED, allowNull: false, defaultValue: 0 },
      last_message_id: { type: BIGINT.UNSIGNED, allowNull: true },
      // messages each side has sent (the stranger rule "one message before being friends")
      sent_a: { type: INTEGER.UNSIGNED, allowNull: false, defaultValue: 0 },
      sent_b: { type: INTEGER.UNSIGNED, allowNull: false, defaultValue: 0 },
      create_time: { type: DATE, allowNull: false },
      update_time: { type: DATE, allowNull: false },
    }, options);
    await queryInterface.addIndex('conversation', [ 'user_a', 'user_b' ], { unique: true, name: 'uk_conversation_pair' });
    await queryInterface.addIndex('conversation', [ 'group_id' ], { unique: true, name: 'uk_conversation_group' });

    await queryInterface.createTable('message', {
      id: { type: BIGINT.UNSIGNED, primaryKey: true, autoIncrement: true },
      conversation_id: { type: BIGINT.UNSIGNED, allowNull: false },
      seq: { type: INTEGER.UNSIGNED, allowNull: false },
      from_id: { type: INTEGER.UNSIGNED, allowNull: false },
      to_id: { type: INTEGER.UNSIGNED, allowNull: false },
      chat_type: { type: TINYINT.UNSIGNED, allowNull: false, defaultValue: 1 },
      type: { type: STRING(16), allowNull: false },
      // the `data` JSON text as sent (canonical); the revoke text once revoked
      data: { type: TEXT, allowNull: true },
      options: { type: TEXT, allowNull: true },
      // names and avatars as when the message was built: every copy carries the same object
      from_name: { type: STRING(50), allowNull: false, defaultValue: '' },
      from_avatar: { type: STRING(255), allowNull: false, defaultValue: '' },
      to_name: { type: STRING(50), allowNull: false, defaultValue: '' },
      to_avatar: { type: STRING(255), allowNull: false, defaultValue: '' },
      send_uuid: { type: CHAR(36).BINARY, allowNull: false, defaultValue: '' },
      isremove: { type: TINYINT.UNSIGNED, allowNull: false, defaultValue: 0 },
      create_time: { type: DATE, allowNull: false },
      revoke_time: { type: DATE, allowNull: true },
    }, options);
    await queryInterface.addIndex('message', [ 'conversation_id', 'seq' ], { name: 'idx_message_conversation_seq' });
  },

  async down(queryInterface) {
    await queryInterface.dropTable('message');
    await queryInterface.dropTable('conversation');
  },
};
