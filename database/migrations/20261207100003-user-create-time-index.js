'use strict';
// The console's dashboard counts registrations today, per minute over the last hour and per day
// over 30 days (CONTRACT-admin §4): a range of this index, never a scan of `user`.

/** @type {import('sequelize-cli').Migration} */
module.exports = {
  async up(queryInterface) {
    await queryInterface.addIndex('user', [ 'create_time' ], { name: 'idx_user_create_time' });
  },

  async down(queryInterface) {
    await queryInterface.removeIndex('user', 'idx_user_create_time');
  },
};
