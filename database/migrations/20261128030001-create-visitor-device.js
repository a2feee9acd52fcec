'use strict';
// Visitor mode (README "Visitor mode"): the device a user arrived from and the app's statistics
// fields on `user`, the (role, last_login) index the daily purge of idle visitors walks, and
// `visitor_device`, which binds a device to its one live visitor. The device id is its primary
// key, so parallel first calls of one device can create only one binding; the binding goes with
// its user (ON DELETE CASCADE) when the purge deletes the visitor.

/** @type {import('sequelize-cli').Migration} */
module.exports = {
  async up(queryInterface, Sequelize) {
    const { INTEGER, STRING } = Sequelize;
    const DATE = Sequelize.DATE(3);
    const text = length => ({ type: STRING(length), allowNull: false, defaultValue: '' });

    await queryInterface.addColumn('user', 'devicefingeruuid', text(200));
    for (const column of [ 'uniplatform', 'devicemodel', 'deviceos', 'devicebrand' ]) {
      await queryInterface.addColumn('user', column, text(50));
    }
    await queryInterface.addIndex('user', [ 'role', 'last_login' ], { name: 'idx_user_role_last_login' });

    await queryInterface.createTable('visitor_device', {
      // Device ids are case-sensitive ([A-Za-z0-9_-]): a binary collation keeps `aB…` and `Ab…` apart.
      device_id: { type: STRING(64) + ' CHARACTER SET ascii COLLATE ascii_bin', primaryKey: true, allowNull: false },
      user_id: {
        type: INTEGER.UNSIGNED,
        allowNull: false,
        references: { model: 'user', key: 'id' },
        onDelete: 'CASCADE',
        onUpdate: 'CASCADE',
      },
      create_time: { type: DATE, allowNull: false },
      last_seen_time: { type: DATE, allowNull: false },
    }, { charset: 'utf8mb4', collate: 'utf8mb4_unicode_ci', engine: 'InnoDB' });
    await queryInterface.addIndex('visitor_device', [ 'user_id' ], { unique: true, name: 'uk_visitor_device_user' });
  },

  async down(queryInterface) {
    await queryInterface.dropTable('visitor_device');
    await queryInterface.removeIndex('user', 'idx_user_role_last_login');
    for (const column of [ 'devicebrand', 'deviceos', 'devicemodel', 'uniplatform', 'devicefingeruuid' ]) {
      await queryInterface.removeColumn('user', column);
    }
  },
};
