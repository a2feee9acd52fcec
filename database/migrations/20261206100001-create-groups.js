'use strict';
// Groups (CONTRACT-groups §D; docs/architecture.md "Adding a domain"): `chat_group`, one row per
// group (`chat_*` because `group` is reserved in SQL), and `chat_group_user`, one row per member
// (status 1) or applicant (status 2). No foreign keys, as in the friends and messaging tables:
// dismissal deletes the memberships in its own transaction. A group's messages live in its
// `conversation` row (conversation.group_id, UNIQUE since 20261128020001-create-messaging.js).

/** @type {import('sequelize-cli').Migration} */
module.exports = {
  async up(queryInterface, Sequelize) {
    const { INTEGER, TINYINT, STRING, TEXT, CHAR } = Sequelize;
    const DATE = Sequelize.DATE(3);
    const options = { charset: 'utf8mb4', collate: 'utf8mb4_unicode_ci', engine: 'InnoDB' };
    const times = {
      create_time: { type: DATE, allowNull: false },
      update_time: { type: DATE, allowNull: false },
    };
    const id = { type: INTEGER.UNSIGNED, primaryKey: true, autoIncrement: true };

    await queryInterface.createTable('chat_group', {
      id,
      uuid: { type: CHAR(36).BINARY, allowNull: false },
      // the owner
      user_id: { type: INTEGER.UNSIGNED, allowNull: false },
      name: { type: STRING(50), allowNull: false, defaultValue: '' },
      // the first 9 members' avatars in join order, comma-joined
      avatar: { type: STRING(4000), allowNull: false, defaultValue: '' },
      remark: { type: TEXT, allowNull: true },
      // 0 anyone joins, 1 the owner approves members' invites and self-joins, 2 also visitors refused
      invite_confirm: { type: TINYINT.UNSIGNED, allowNull: false, defaultValue: 0 },
      status: { type: TINYINT, allowNull: false, defaultValue: 1 },
      order: { type: INTEGER, allowNull: false, defaultValue: 50 },
      ...times,
    }, options);
    await queryInterface.addIndex('chat_group', [ 'uuid' ], { unique: true, name: 'uk_chat_group_uuid' });
    await queryInterface.addIndex('chat_group', [ 'user_id', 'status' ], { name: 'idx_chat_group_owner' });

    await queryInterface.createTable('chat_group_user', {
      id,
      group_id: { type: INTEGER.UNSIGNED, allowNull: false },
      user_id: { type: INTEGER.UNSIGNED, allowNull: false },
      nickname: { type: STRING(50), allowNull: false, defaultValue: '' },
      avatar: { type: STRING(1000), allowNull: false, defaultValue: '' },
      // 1 member, 2 applicant (a pending request to join)
      status: { type: TINYINT.UNSIGNED, allowNull: false, defaultValue: 1 },
      order: { type: INTEGER, allowNull: false, defaultValue: 50 },
      // the user who invited (NULL: created the group, founding member, or joined by themself)
      invited_by: { type: INTEGER.UNSIGNED, allowNull: true },
      apply_desc: { type: STRING(500), allowNull: false, defaultValue: '' },
      // the group conversation's last_seq when the member joined: history starts after it
      join_seq: { type: INTEGER.UNSIGNED, allowNull: false, defaultValue: 0 },
      ...times,
    }, options);
    await queryInterface.addIndex('chat_group_user', [ 'group_id', 'user_id' ], { unique: true, name: 'uk_chat_group_user_pair' });
    await queryInterface.addIndex('chat_group_user', [ 'user_id', 'status', 'group_id' ], { name: 'idx_chat_group_user_user' });
    await queryInterface.addIndex('chat_group_user', [ 'group_id', 'status', 'id' ], { name: 'idx_chat_group_user_group' });
  },

  async down(queryInterface) {
    await queryInterface.dropTable('chat_group_user');
    await queryInterface.dropTable('chat_group');
  },
};
