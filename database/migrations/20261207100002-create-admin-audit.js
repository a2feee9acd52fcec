'use strict';
// The console's audit trail (CONTRACT-admin §5): append-only from the app (app/repository/admin.ts
// has an insert and reads, no update or delete). The indexes serve the audit page's filters,
// newest first, and a user's recent entries on the user page.

/** @type {import('sequelize-cli').Migration} */
module.exports = {
  async up(queryInterface, Sequelize) {
    const { BIGINT, INTEGER, STRING, DATE, TEXT } = Sequelize;
    await queryInterface.createTable('admin_audit', {
      id: { type: BIGINT.UNSIGNED, autoIncrement: true, primaryKey: true },
      admin_id: { type: INTEGER.UNSIGNED, allowNull: true },
      action: { type: STRING(32), allowNull: false },
      target_type: { type: STRING(16), allowNull: true },
      target_id: { type: BIGINT.UNSIGNED, allowNull: true },
      detail: { type: TEXT, allowNull: true },
      ip: { type: STRING(45), allowNull: true },
      user_agent: { type: STRING(255), allowNull: true },
      create_time: { type: DATE(3), allowNull: false },
    }, { charset: 'utf8mb4', collate: 'utf8mb4_unicode_ci', engine: 'InnoDB' });
    await queryInterface.addIndex('admin_audit', [ 'admin_id', 'id' ], { name: 'idx_admin_audit_admin' });
    await queryInterface.addIndex('admin_audit', [ 'action', 'id' ], { name: 'idx_admin_audit_action' });
    await queryInterface.addIndex('admin_audit', [ 'target_type', 'target_id', 'id' ], { name: 'idx_admin_audit_target' });
  },

  async down(queryInterface) {
    await queryInterface.dropTable('admin_audit');
  },
};
