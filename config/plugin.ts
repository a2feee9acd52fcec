import { EggPlugin } from 'egg';

const plugin: EggPlugin = {
  sequelize: { enable: true, package: 'egg-sequelize' },
  redis: { enable: true, package: 'egg-redis' },
  jwt: { enable: true, package: 'egg-jwt' },
  validate: { enable: true, package: 'egg-validate' },
  // Server-rendered pages are not part of this API.
  view: false,
  static: false,
};

export default plugin;
