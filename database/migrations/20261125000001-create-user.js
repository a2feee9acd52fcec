'use strict';

/** @type {import('sequelize-cli').Migration} */
module.exports = {
  async up(queryInterface, Sequelize) {
    const { INTEGER, TINYINT, STRING, CHAR } = Sequelize;
    // Millisecond precision: the API shows these instants as ISO-8601 with milliseconds.
    const DATE = Sequelize.DATE(3);
    await queryInterface.createTable('user', {
      id: { type: INTEGER.UNSIGNED, primaryKey: true, autoIncrement: true },
      uuid: { type: CHAR(36).BINARY, allowNull: false },
      // Case-insensitive collation: My01 and my01 are one account (unique index below).
      username: { type: STRING(20) + ' COLLATE utf8mb4_general_ci', allowNull: false },
      password: { type: STRING(255).BINARY, allowNull: false },
      nickname: { type: STRING(50), allowNull: false, defaultValue: '' },
      avatar: { type: STRING(255), allowNull: false, defaultValue: '' },
      mobile: { type: STRING(20), allowNull: true },
      email: { type: STRING(100), allowNull: true },
      status: { type: TINYINT, allowNull: false, defaultValue: 1 },
      last_login: { type: DATE, allowNull: true },
      last_login_ip: { type: STRING(45), allowNull: true },
      register_time: { type: DATE, allowNull: false },
      register_ip: { type: STRING(45), allowNull: true },
      is_deleted: { type: TINYINT, allowNull: false, defaultValue: 0 },
      wechat_openid: { type: STRING(64), allowNull: true },
      qq_openid: { type: STRING(64), allowNull: true },
      weibo_uid: { type: STRING(64), allowNull: true },
      role: { type: STRING(20), allowNull: false, defaultValue: 'user' },
      is_email_verified: { type: TINYINT, allowNull: false, defaultValue: 0 },
      is_mobile_verified: { type: TINYINT, allowNull: false, defaultValue: 0 },
      order: { type: INTEGER, allowNull: false, defaultValue: 50 },
      create_time: { type: DATE, allowNull: false },
      update_time: { type: DATE, allowNull: false },
    }, { charset: 'utf8mb4', collate: 'utf8mb4_unicode_ci', engine: 'InnoDB' });
    await queryInterface.addIndex('user', [ 'username' ], { unique: true, name: 'uk_user_username' });
    await queryInterface.addIndex('user', [ 'uuid' ], { unique: true, name: 'uk_user_uuid' });
  },

  async down(queryInterface) {
    await queryInterface.dropTable('user');
  },
};
