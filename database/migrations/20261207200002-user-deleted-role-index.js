'use strict';
// The console's dashboard counts accounts that are not deleted, by role (CONTRACT-admin §4 "users
// (real, visitors)"): `is_deleted = 0` is a range of this index, grouped by role inside it, so the
// count reads the index alone, never the rows.

/** @type {import('sequelize-cli').Migration} */
module.exports = {
  async up(queryInterface) {
    await queryInterface.addIndex('user', [ 'is_deleted', 'role' ], { name: 'idx_user_deleted_role' });
  },

  async down(queryInterface) {
    await queryInterface.removeIndex('user', 'idx_user_deleted_role');
  },
};
