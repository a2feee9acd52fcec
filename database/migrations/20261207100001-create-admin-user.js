'use strict';
// The operator console's identities (CONTRACT-admin §2): separate from the IM users' `user`
// table, so an IM user is never an admin and an admin never an IM user. `totp_secret` is
// encrypted with ADMIN_SECRET_KEY (app/lib/admin/secretBox.ts); NULL until 2FA is enrolled.

/** @type {import('sequelize-cli').Migration} */
module.exports = {
  async up(queryInterface, Sequelize) {
    const { INTEGER, STRING, TINYINT, DATE } = Sequelize;
    await queryInterface.createTable('admin_user', {
      id: { type: INTEGER.UNSIGNED, autoIncrement: true, primaryKey: true },
      username: { type: STRING(32) + ' COLLATE utf8mb4_general_ci', allowNull: false },
      password_hash: { type: STRING(255), allowNull: false },
      role: { type: Sequelize.ENUM('super', 'operator', 'viewer'), allowNull: false },
      totp_secret: { type: STRING(255), allowNull: true },
      status: { type: TINYINT, allowNull: false, defaultValue: 1 },
      last_login: { type: DATE(3), allowNull: true },
      last_login_ip: { type: STRING(45), allowNull: true },
      create_time: { type: DATE(3), allowNull: false },
      update_time: { type: DATE(3), allowNull: false },
    }, { charset: 'utf8mb4', collate: 'utf8mb4_unicode_ci', engine: 'InnoDB' });
    await queryInterface.addIndex('admin_user', [ 'username' ], { unique: true, name: 'uk_admin_user_username' });
  },

  async down(queryInterface) {
    await queryInterface.dropTable('admin_user');
  },
};
