import { EggAppConfig, PowerPartial } from 'egg';
import { envInt, envString } from '../app/lib/env';

export default () => {
  const config: PowerPartial<EggAppConfig> = {};
  // Tests own these: the suite truncates the table and flushes the Redis database.
  (config as any).sequelize = { database: envString('MYSQL_DATABASE', 'chat_unittest') };
  (config as any).redis = { client: { db: envInt('REDIS_DB', 1) } };
  // A cheaper scrypt keeps the suite fast; the stored format and code path are the same.
  (config as any).im = {
    password: { cost: envInt('SCRYPT_COST', 16384, 1024) },
    // Pub/sub channels are global to the Redis server: this run's own.
    messaging: { channelPrefix: envString('MSG_CHANNEL_PREFIX', `im:test${process.pid}:ev:`) },
  };
  return config;
};
