import { EggAppConfig, EggAppInfo, PowerPartial } from 'egg';
import { createSecretKey } from 'node:crypto';
import { loadDotEnv } from '../app/lib/env';
import { multipartConfig } from '../app/lib/files/config';
import { clientErrorResponse } from '../app/lib/httpTimeouts';
import { lockWaitTimeout } from '../app/repository/statements';
import { mysql2WithQueryTimeout } from '../app/lib/mysqlQueryTimeout';
import { passwordSection, rateLimitSection, searchSection, sessionSection, tokenSection, userSection } from './sections/accounts';
import { adminSection } from './sections/admin';
import { mysqlSection, redisSection } from './sections/database';
import { processEnv } from './sections/env';
import { filesSection } from './sections/files';
import { friendsSection } from './sections/friends';
import { groupsSection } from './sections/groups';
import { messagingSection } from './sections/messaging';
import { metricsSection } from './sections/metrics';
import { jwtSection, logSection, proxySection } from './sections/security';
import { bodySection, healthSection, httpSection, shutdownSection } from './sections/server';
import { visitorsSection } from './sections/visitors';
import { ImConfig } from './types';

// Every variable, its unit and default: the sections' doc comments (config/sections/*.ts).
export { DEV_JWT_SECRET } from './sections/security';

export default (appInfo: EggAppInfo) => {
  if (appInfo.env !== 'unittest') loadDotEnv(appInfo.baseDir);
  const env = processEnv;

  const config = {} as PowerPartial<EggAppConfig>;

  // Egg insists on cookie keys; the only cookies are the operator console's (unsigned: random ids).
  config.keys = `${appInfo.name}_keys`;

  // The errorHandler middleware is also put in front of Egg's core middleware (see app.ts),
  // so body-parser failures reach the envelope too.
  config.middleware = [ 'notFound', 'adminGate' ];
  // The operator console's pages: app/view/admin/*.njk (CONTRACT-admin §1).
  config.view = { defaultViewEngine: 'nunjucks', mapping: { '.njk': 'nunjucks' } } as any;
  // Egg's own 404 page and favicon redirect would answer outside the envelope.
  config.notfound = { enable: false } as any;
  config.siteFile = { enable: false } as any;

  config.security = {
    // Token-authenticated JSON API without cookie sessions: CSRF has nothing to protect.
    csrf: { enable: false },
    // Its TRACE refusal is a bare 405 that would surface as a 500; every unrouted method
    // already answers the contract's 404 and nothing here echoes a request back.
    methodnoallow: { enable: false },
  };

  // Behind a trusted reverse proxy the client address comes from X-Forwarded-For.
  config.proxy = proxySection(env, appInfo).trustProxy;

  // sendmessage parses its own body (64 KB, app/middleware/messageBody.ts).
  config.bodyParser = { jsonLimit: '16kb', formLimit: '16kb', ignore: '/api/chat/socket/sendmessage' } as any;

  const mysql = mysqlSection(env, appInfo);
  const mysqlServer = { host: mysql.host, port: mysql.port, username: mysql.username, password: mysql.password };
  // Read replicas (see README "Deploying"): plain SELECTs go to them; writes, transactions and
  // the reads that must see the latest write (login, the auth check) use the primary.
  const mysqlReplicas = mysql.readHosts
    .map(replica => ({ ...replica, username: mysqlServer.username, password: mysqlServer.password }));

  config.sequelize = {
    dialect: 'mysql',
    ...mysqlServer,
    ...(mysqlReplicas.length ? { replication: { write: mysqlServer, read: mysqlReplicas } } : {}),
    database: mysql.database,
    // DATETIME columns hold UTC; the user object formats them (see app/lib/userView.ts).
    timezone: '+00:00',
    // Never log SQL: statements carry password hashes.
    logging: false,
    define: { freezeTableName: true, underscored: true },
    pool: { max: 10, min: 0, acquire: 3000, idle: 10000 },
    dialectOptions: { connectTimeout: 2000 },
    // A query gets 2 s, then its connection is dropped and the request answers 503.
    dialectModule: mysql2WithQueryTimeout(2000),
    retry: { max: 0 },
    // Lock waits end after 1 s, inside the query timeout, and are retried (app/lib/lockedTransaction.ts).
    hooks: { afterConnect: lockWaitTimeout(1) },
  } as any;

  // Fail fast while Redis is unreachable instead of queueing commands: a session that
  // cannot be checked must answer 503 within seconds, never hang.
  const redisFailFast = {
    enableOfflineQueue: false,
    connectTimeout: 2000,
    // A Redis that accepts connections but stops answering must not hang requests either.
    commandTimeout: 1500,
    maxRetriesPerRequest: 1,
    retryStrategy: (times: number) => Math.min(times * 200, 1000),
  };
  // egg-redis picks the topology by the shape of `client`. The session commands touch one key
  // each (the Lua script declares its single key), so they behave the same on a Cluster.
  const redis = redisSection(env, appInfo);
  let redisClient: Record<string, unknown>;
  if (redis.topology === 'cluster') {
    redisClient = {
      cluster: true,
      nodes: redis.nodes,
      redisOptions: { password: redis.password || undefined, ...redisFailFast },
      ...redisFailFast,
      clusterRetryStrategy: redisFailFast.retryStrategy,
    };
  } else if (redis.topology === 'sentinel') {
    redisClient = {
      sentinels: redis.sentinels,
      name: redis.name,
      sentinelPassword: redis.sentinelPassword || undefined,
      password: redis.password,
      db: redis.db,
      ...redisFailFast,
    };
  } else {
    redisClient = { host: redis.host, port: redis.port, password: redis.password, db: redis.db, ...redisFailFast };
  }
  config.redis = { client: redisClient as any };

  // Error texts: config/locale/*.json; Accept-Language picks one (CONTRACT: Chinese by default).
  config.i18n = {
    defaultLocale: 'zh-CN',
    writeCookie: false, // the service sets no cookies
    localeAlias: { en: 'en-US', 'en-gb': 'en-US', zh: 'zh-CN', 'zh-hans': 'zh-CN', 'zh-hans-cn': 'zh-CN' },
  } as any;

  // Egg's logs (app, errors, and the access log of app/middleware/accessLog.ts).
  config.logger = { dir: logSection(env, appInfo).dir } as any;
  config.customLogger = {
    accessLogger: {
      file: 'access.log',
      // Without Egg's request prefix, which holds the URL with its query string.
      formatter: (meta: { date: string; level: string; pid: number; message: string }) =>
        `${meta.date} ${meta.level} ${meta.pid} ${meta.message}`,
    },
  } as any;

  // egg-jwt signs and verifies the tokens (app/service/session.ts). The secret goes in as a
  // KeyObject: given a string, jsonwebtoken 9 first tries to parse it as a PEM key, on every
  // call, ~30x slower (README "Performance"). Pinning the algorithm on verification rejects
  // "alg: none" and algorithm-confusion tokens.
  const jwt = jwtSection(env, appInfo);
  config.jwt = {
    secret: createSecretKey(Buffer.from(jwt.secret)),
    sign: { algorithm: jwt.algorithm },
    verify: { algorithms: [ jwt.algorithm ] },
    // egg-jwt's own koa middleware stays off: app/middleware/auth.ts also checks the session.
    enable: false,
  } as any;

  config.validate = { convert: false, validateRoot: true } as any;

  const im: ImConfig = {
    http: httpSection(env, appInfo),
    bodyMaxDepth: bodySection(env, appInfo).bodyMaxDepth,
    token: tokenSection(env, appInfo),
    session: sessionSection(env, appInfo),
    password: passwordSection(env, appInfo),
    user: userSection(env, appInfo),
    search: searchSection(env, appInfo),
    health: healthSection(env, appInfo),
    shutdown: shutdownSection(env, appInfo),
    rateLimit: rateLimitSection(env, appInfo),
    visitors: visitorsSection(env, appInfo),
    messaging: messagingSection(env, appInfo),
    friends: friendsSection(env, appInfo),
    groups: groupsSection(env, appInfo),
    metrics: metricsSection(env, appInfo),
    files: filesSection(env, appInfo),
    admin: adminSection(env, appInfo),
  };
  // Egg sets it as the server's socket timeout; answers to connection-level errors (a request
  // Node gave up on, headers over 16 kB, unparsable HTTP) in the envelope instead of Egg's HTML.
  (config as any).serverTimeout = im.http.idleTimeoutMs;
  (config as any).onClientError = clientErrorResponse;
  config.multipart = multipartConfig(im.files) as any;

  // `as {}` keeps the inferred type to `im` alone, breaking the cycle with EggAppConfig.
  return { ...config as {}, im };
};
