'use strict';
// Blocks (README "Friends", blacklist): a block belongs to the blocker, not to the friendship,
// so it outlives a deleted friendship and only the blocker can lift it. One row per
// (blocker, blocked); the primary key answers "does B block A" with one probe, and
// idx_user_block_blocked lists who blocks a user. The goodfriend row's `isblack` is kept in
// step with this table (the response shapes show it); existing blacklists are copied here.

/** @type {import('sequelize-cli').Migration} */
module.exports = {
  async up(queryInterface, Sequelize) {
    const { INTEGER } = Sequelize;
    await queryInterface.createTable('user_block', {
      blocker_id: { type: INTEGER.UNSIGNED, allowNull: false, primaryKey: true },
      blocked_id: { type: INTEGER.UNSIGNED, allowNull: false, primaryKey: true },
      create_time: { type: Sequelize.DATE(3), allowNull: false },
    }, { charset: 'utf8mb4', collate: 'utf8mb4_unicode_ci', engine: 'InnoDB' });
    await queryInterface.addIndex('user_block', [ 'blocked_id', 'blocker_id' ], { name: 'idx_user_block_blocked' });
    await queryInterface.sequelize.query(
      'INSERT IGNORE INTO user_block (blocker_id, blocked_id, create_time) SELECT user_id, friend_id, update_time FROM goodfriend WHERE isblack = 1');
  },

  async down(queryInterface) {
    await queryInterface.dropTable('user_block');
  },
};
