'use strict';
// sequelize-cli's connection settings: the same environment variables as the app
// (config/config.default.ts, config/config.unittest.ts).
const database = process.env.MYSQL_DATABASE ||
  (process.env.EGG_SERVER_ENV === 'unittest' ? 'chat_unittest' : 'chat');

const settings = {
  dialect: 'mysql',
  host: process.env.MYSQL_HOST || '127.0.0.1',
  port: Number(process.env.MYSQL_PORT || 3306),
  username: process.env.MYSQL_USER || 'root',
  password: process.env.MYSQL_PASSWORD || '',
  database,
  timezone: '+00:00',
  logging: false,
  migrationStorageTableName: 'sequelize_meta',
};

module.exports = { development: settings, test: settings, production: settings };
