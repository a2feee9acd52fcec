'use strict';
// Friends (README "Friends"): the user's settings columns, the public profile, friendships
// (one row per direction) and applications (one row per ordered pair). No foreign keys: users
// are never hard-deleted, and the transactions of the friends service keep pairs whole.

/** @type {import('sequelize-cli').Migration} */
module.exports = {
  async up(queryInterface, Sequelize) {
    const { INTEGER, TINYINT, STRING, ENUM, DATEONLY } = Sequelize;
    const DATE = Sequelize.DATE(3);
    const options = { charset: 'utf8mb4', collate: 'utf8mb4_unicode_ci', engine: 'InnoDB' };
    const times = {
      create_time: { type: DATE, allowNull: false },
      update_time: { type: DATE, allowNull: false },
    };
    const flag = defaultValue => ({ type: TINYINT.UNSIGNED, allowNull: false, defaultValue });

    await queryInterface.addColumn('user', 'invite_confirm', flag(1));
    await queryInterface.addColumn('user', 'userset', { type: STRING(1000), allowNull: false, defaultValue: '' });

    await queryInterface.createTable('user_info', {
      id: { type: INTEGER.UNSIGNED, primaryKey: true, autoIncrement: true },
      user_id: { type: INTEGER.UNSIGNED, allowNull: false },
      gender: { type: ENUM('male', 'female', 'unknown'), allowNull: false, defaultValue: 'unknown' },
      birthday: { type: DATEONLY, allowNull: true },
      bio: { type: STRING(200), allowNull: true },
      location: { type: STRING(100), allowNull: true },
      website: { type: STRING(255), allowNull: true },
      order: { type: INTEGER, allowNull: false, defaultValue: 50 },
      ...times,
    }, options);
    await queryInterface.addIndex('user_info', [ 'user_id' ], { unique: true, name: 'uk_user_info_user' });

    const pair = {
      id: { type: INTEGER.UNSIGNED, primaryKey: true, autoIncrement: true },
      user_id: { type: INTEGER.UNSIGNED, allowNull: false },
      friend_id: { type: INTEGER.UNSIGNED, allowNull: false },
      nickname: { type: STRING(50), allowNull: false, defaultValue: '' },
      friendlookme: flag(1),
      melookfriend: flag(1),
      ismystarfriend: flag(0),
      isblack: flag(0),
    };
    await queryInterface.createTable('goodfriend', {
      ...pair,
      status: flag(1),
      order: { type: INTEGER, allowNull: false, defaultValue: 50 },
      ...times,
    }, options);
    await queryInterface.addIndex('goodfriend', [ 'user_id', 'friend_id' ], { unique: true, name: 'uk_goodfriend_pair' });

    await queryInterface.createTable('goodfriendapply', {
      ...pair,
      status: { type: ENUM('pending', 'refuse', 'agree', 'ignore'), allowNull: false, defaultValue: 'pending' },
      order: { type: INTEGER, allowNull: false, defaultValue: 50 },
      ...times,
    }, options);
    await queryInterface.addIndex('goodfriendapply', [ 'user_id', 'friend_id' ], { unique: true, name: 'uk_apply_pair' });
    await queryInterface.addIndex('goodfriendapply', [ 'friend_id', 'id' ], { name: 'idx_apply_inbox' });
    await queryInterface.addIndex('goodfriendapply', [ 'friend_id', 'status' ], { name: 'idx_apply_pending' });
  },

  async down(queryInterface) {
    await queryInterface.dropTable('goodfriendapply');
    await queryInterface.dropTable('goodfriend');
    await queryInterface.dropTable('user_info');
    await queryInterface.removeColumn('user', 'userset');
    await queryInterface.removeColumn('user', 'invite_confirm');
  },
};
