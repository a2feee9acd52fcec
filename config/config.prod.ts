import { EggAppConfig, PowerPartial } from 'egg';
import { DEV_JWT_SECRET } from './config.default';

export default () => {
  const secret = process.env.JWT_SECRET ?? '';
  if (secret.length < 32 || secret === DEV_JWT_SECRET) {
    throw new Error('JWT_SECRET must be set to a random value of at least 32 characters in production');
  }
  const config: PowerPartial<EggAppConfig> = {};
  return config;
};
