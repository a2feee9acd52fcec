'use strict';
// Files (README "Files"): one row per stored object, the uploader's audit trail and the
// registry getVideoScreenshot reads to know which videos are ours. Deleting a user keeps the
// rows (user_id becomes NULL): the files stay reachable by URL.

/** @type {import('sequelize-cli').Migration} */
module.exports = {
  async up(queryInterface, Sequelize) {
    const { BIGINT, INTEGER, STRING, ENUM } = Sequelize;
    await queryInterface.createTable('chat_file', {
      id: { type: BIGINT.UNSIGNED, primaryKey: true, autoIncrement: true },
      user_id: {
        type: INTEGER.UNSIGNED,
        allowNull: true,
        references: { model: 'user', key: 'id' },
        onDelete: 'SET NULL',
        onUpdate: 'CASCADE',
      },
      storage_key: { type: STRING(255), allowNull: false },
      kind: { type: ENUM('image', 'audio', 'video', 'screenshot'), allowNull: false },
      mime: { type: STRING(100), allowNull: false },
      size: { type: BIGINT.UNSIGNED, allowNull: false },
      width: { type: INTEGER.UNSIGNED, allowNull: true },
      height: { type: INTEGER.UNSIGNED, allowNull: true },
      create_time: { type: Sequelize.DATE(3), allowNull: false },
    }, { charset: 'utf8mb4', collate: 'utf8mb4_bin', engine: 'InnoDB' });
    await queryInterface.addIndex('chat_file', [ 'storage_key' ], { unique: true, name: 'uk_chat_file_key' });
    await queryInterface.addIndex('chat_file', [ 'user_id', 'create_time' ], { name: 'idx_chat_file_user_time' });
  },

  async down(queryInterface) {
    await queryInterface.dropTable('chat_file');
  },
};
