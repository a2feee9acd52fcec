import { EggAppConfig, EggAppInfo, PowerPartial } from 'egg';
import path from 'node:path';
import { envInt, envString } from '../app/lib/env';
import { ImConfig } from './types';

export default (appInfo: EggAppInfo) => {
  const config: PowerPartial<EggAppConfig> = {};
  // Tests own these: the suite truncates the table and flushes the Redis database.
  const database = envString('MYSQL_DATABASE', 'chat_unittest');
  (config as any).sequelize = { database };
  (config as any).redis = { client: { db: envInt('REDIS_DB', 1) } };
  // Uploads go to a folder the file tests empty between tests, never to data/uploads; one per test
  // database, so the test processes `npm test` runs at once never empty each other's.
  const uploadDir = path.join(appInfo.baseDir, 'run', 'unittest-uploads', database);
  const im: PowerPartial<ImConfig> = {
    // A cheaper scrypt keeps the suite fast; the stored format and code path are the same.
    password: { cost: envInt('SCRYPT_COST', 16384, 1024) },
    // Pub/sub channels are global to the Redis server: this run's own.
    messaging: { channelPrefix: envString('MSG_CHANNEL_PREFIX', `im:test${process.pid}:ev:`) },
    files: { uploadDir, tmpDir: path.join(uploadDir, '.tmp') },
  };
  return { ...config, im };
};
