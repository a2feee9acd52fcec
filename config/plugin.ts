import { EggPlugin } from 'egg';

const plugin: EggPlugin = {
  sequelize: { enable: true, package: 'egg-sequelize' },
  redis: { enable: true, package: 'egg-redis' },
  jwt: { enable: true, package: 'egg-jwt' },
  validate: { enable: true, package: 'egg-validate' },
  // The operator console's pages (CONTRACT-admin §1); its assets go through a route, not egg-static.
  view: true,
  nunjucks: { enable: true, package: 'egg-view-nunjucks' },
  static: false,
};

export default plugin;
