'use strict';
// Friends (README "Friends"): POST /api/chat/updateUserinfo takes avatar addresses of up to
// 1000 characters; the column held 255. Same 2-byte length prefix, so MariaDB/MySQL change
// it in place, without copying the table.

/** @type {import('sequelize-cli').Migration} */
module.exports = {
  async up(queryInterface) {
    await queryInterface.sequelize.query("ALTER TABLE `user` MODIFY `avatar` VARCHAR(1000) NOT NULL DEFAULT ''");
  },

  async down(queryInterface) {
    await queryInterface.sequelize.query("ALTER TABLE `user` MODIFY `avatar` VARCHAR(255) NOT NULL DEFAULT ''");
  },
};
