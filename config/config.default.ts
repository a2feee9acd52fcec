import { EggAppConfig, EggAppInfo, PowerPartial } from 'egg';
import { createSecretKey } from 'node:crypto';
import path from 'node:path';
import { envBool, envChoice, envHostList, envInt, envString, loadDotEnv } from '../app/lib/env';
import { filesConfig, multipartConfig } from '../app/lib/files/config';
import { clientErrorResponse } from '../app/lib/httpTimeouts';
import { lockWaitTimeout } from '../app/lib/lockedTransaction';
import { allowList } from '../app/lib/metrics/access';
import { mysql2WithQueryTimeout } from '../app/lib/mysqlQueryTimeout';

// Signs development tokens only; config.prod.ts refuses to start with it.
export const DEV_JWT_SECRET = 'im-user-service-development-secret-do-not-use-in-production';

export default (appInfo: EggAppInfo) => {
  if (appInfo.env !== 'unittest') loadDotEnv(appInfo.baseDir);

  const config = {} as PowerPartial<EggAppConfig>;

  // Egg insists on cookie keys although this service sets no cookies.
  config.keys = `${appInfo.name}_keys`;

  // The errorHandler middleware is also put in front of Egg's core middleware (see app.ts),
  // so body-parser failures reach the envelope too.
  config.middleware = [ 'notFound' ];
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
  config.proxy = envBool('TRUST_PROXY', false);

  // sendmessage parses its own body (64 KB, app/middleware/messageBody.ts).
  config.bodyParser = { jsonLimit: '16kb', formLimit: '16kb', ignore: '/api/chat/socket/sendmessage' } as any;

  const mysqlServer = {
    host: envString('MYSQL_HOST', '127.0.0.1'),
    port: envInt('MYSQL_PORT', 3306, 1),
    username: envString('MYSQL_USER', 'root'),
    password: envString('MYSQL_PASSWORD', ''),
  };
  // Read replicas (see README "Deploying"): plain SELECTs go to them; writes, transactions and
  // the reads that must see the latest write (login, the auth check) use the primary.
  const mysqlReplicas = envHostList('MYSQL_READ_HOSTS', mysqlServer.port)
    .map(replica => ({ ...replica, username: mysqlServer.username, password: mysqlServer.password }));

  config.sequelize = {
    dialect: 'mysql',
    ...mysqlServer,
    ...(mysqlReplicas.length ? { replication: { write: mysqlServer, read: mysqlReplicas } } : {}),
    database: envString('MYSQL_DATABASE', 'chat'),
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
  const redisPassword = envString('REDIS_PASSWORD', '');
  const redisDb = envInt('REDIS_DB', 0);
  const redisSentinels = envHostList('REDIS_SENTINELS', 26379);
  const redisClusterNodes = envHostList('REDIS_CLUSTER_NODES', 6379);
  if (redisSentinels.length && redisClusterNodes.length) {
    throw new Error('Set REDIS_SENTINELS or REDIS_CLUSTER_NODES, not both');
  }
  // One of three topologies (README "Deploying"); egg-redis picks by the shape of `client`.
  // The session commands touch one key each (the Lua script declares its single key), so they
  // behave the same on a Cluster.
  let redisClient: Record<string, unknown>;
  if (redisClusterNodes.length) {
    redisClient = {
      cluster: true,
      nodes: redisClusterNodes,
      redisOptions: { password: redisPassword || undefined, ...redisFailFast },
      ...redisFailFast,
      clusterRetryStrategy: redisFailFast.retryStrategy,
    };
  } else if (redisSentinels.length) {
    redisClient = {
      sentinels: redisSentinels,
      name: envString('REDIS_SENTINEL_NAME', 'mymaster'),
      sentinelPassword: envString('REDIS_SENTINEL_PASSWORD', '') || undefined,
      password: redisPassword,
      db: redisDb,
      ...redisFailFast,
    };
  } else {
    redisClient = {
      host: envString('REDIS_HOST', '127.0.0.1'),
      port: envInt('REDIS_PORT', 6379, 1),
      password: redisPassword,
      db: redisDb,
      ...redisFailFast,
    };
  }
  config.redis = { client: redisClient as any };

  // Error texts: config/locale/*.json; Accept-Language picks one (CONTRACT: Chinese by default).
  config.i18n = {
    defaultLocale: 'zh-CN',
    writeCookie: false, // the service sets no cookies
    localeAlias: { en: 'en-US', 'en-gb': 'en-US', zh: 'zh-CN', 'zh-hans': 'zh-CN', 'zh-hans-cn': 'zh-CN' },
  } as any;

  // Egg's logs (app, errors, and the access log of app/middleware/accessLog.ts).
  config.logger = { dir: envString('LOG_DIR', path.join(appInfo.root, 'logs', appInfo.name)) } as any;
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
  const jwtAlgorithm = envChoice('JWT_ALGORITHM', [ 'HS256', 'HS384', 'HS512' ] as const, 'HS256');
  config.jwt = {
    secret: createSecretKey(Buffer.from(envString('JWT_SECRET', DEV_JWT_SECRET))),
    sign: { algorithm: jwtAlgorithm },
    verify: { algorithms: [ jwtAlgorithm ] },
    // egg-jwt's own koa middleware stays off: app/middleware/auth.ts also checks the session.
    enable: false,
  } as any;

  config.validate = { convert: false, validateRoot: true } as any;

  // libuv's thread pool (scrypt, file reads, dns.lookup): UV_THREADPOOL_SIZE, 4 by default.
  const threadPoolSize = envInt('UV_THREADPOOL_SIZE', 4, 1);
  // Timeouts of every connection (app/lib/httpTimeouts.ts, README "Security").
  const http = {
    requestTimeoutMs: envInt('HTTP_REQUEST_TIMEOUT_MS', 120000, 1000),
    headersTimeoutMs: envInt('HTTP_HEADERS_TIMEOUT_MS', 10000, 1000),
    keepAliveTimeoutMs: envInt('HTTP_KEEPALIVE_TIMEOUT_MS', 5000, 1000),
    idleTimeoutMs: envInt('HTTP_IDLE_TIMEOUT_MS', 60000, 1000),
    bodyTimeoutMs: envInt('HTTP_BODY_TIMEOUT_MS', 30000, 100),
  };
  // Egg sets it as the server's socket timeout; answers to connection-level errors (a request
  // Node gave up on, headers over 16 kB, unparsable HTTP) in the envelope instead of Egg's HTML.
  (config as any).serverTimeout = http.idleTimeoutMs;
  (config as any).onClientError = clientErrorResponse;
  const im = {
    http,
    // Deepest array/object nesting a parsed JSON or form body may have (422 beyond it).
    bodyMaxDepth: envInt('BODY_MAX_DEPTH', 32, 2),
    token: {
      ttlSeconds: envInt('TOKEN_TTL', 2592000, 1),
    },
    session: {
      policy: envChoice('SESSION_POLICY', [ 'multi', 'single' ] as const, 'multi'),
      max: envInt('SESSION_MAX', 20, 1),
      keyPrefix: 'im:sess:',
    },
    // scrypt work factor: N = 2^15, 32 MiB and ~70 ms per hash on this machine's cores.
    password: {
      cost: envInt('SCRYPT_COST', 32768, 1024),
      blockSize: 8,
      parallelization: 1,
      // Hashes in flight per process, below libuv's thread pool size so file reads (same pool)
      // never wait behind scrypt; then a short queue, then 503 (README "Security").
      maxInFlight: envInt('HASH_MAX_IN_FLIGHT', Math.max(1, threadPoolSize - 1), 1),
      maxQueued: envInt('HASH_MAX_QUEUED', 32, 0),
    },
    user: {
      defaultAvatar: envString('DEFAULT_AVATAR', 'https://thinkphp-all.oss-cn-hangzhou.aliyuncs.com/public/67b3001b2aedd.png'),
      timezone: envString('APP_TIMEZONE', '+08:00'),
    },
    // The allowed range of `limit` is BOUNDS.limit in app/lib/rules.ts.
    search: { defaultLimit: 20 },
    // GET /api/health: each dependency's ping is cut off after this long.
    health: { timeoutMs: envInt('HEALTH_TIMEOUT_MS', 2000, 1) },
    // On `npm stop` a worker stops accepting connections and waits this long for requests in
    // flight; keep it below egg-cluster's EGG_APP_CLOSE_TIMEOUT (5000 ms), after which it kills.
    shutdown: { drainMs: envInt('SHUTDOWN_DRAIN_MS', 4000, 0) },
    // CONTRACT: abuse limits (windows in seconds).
    rateLimit: {
      loginFailLimitUserIp: envInt('LOGIN_FAIL_LIMIT_USER_IP', 5, 1),
      loginFailLimitIp: envInt('LOGIN_FAIL_LIMIT_IP', 50, 1),
      loginFailWindow: envInt('LOGIN_FAIL_WINDOW', 900, 1),
      registerLimitIp: envInt('REGISTER_LIMIT_IP', 20, 1),
      registerWindow: envInt('REGISTER_WINDOW', 3600, 1),
      // Successful logins (each one costs a hash): per account, and per IP.
      loginOkLimitUser: envInt('LOGIN_OK_LIMIT_USER', 30, 1),
      loginOkLimitIp: envInt('LOGIN_OK_LIMIT_IP', 100, 1),
      loginOkWindow: envInt('LOGIN_OK_WINDOW', 900, 1),
      keyPrefix: 'im:rl:',
    },
    // Visitor mode (README "Visitor mode"). The salt ships inside every copy of the app: the
    // signature filters scripts, it does not authenticate anyone.
    visitors: {
      signSalt: envString('VISITOR_SIGN_SALT', '45ncashdaksh2!#@3nxjdas*_259'),
      // Days a visitor may stay idle before the daily purge deletes it; 0 keeps visitors forever.
      retentionDays: envInt('VISITOR_RETENTION_DAYS', 90, 0),
      // Calls of the three visitor routes per device, and new visitors per IP (windows in seconds).
      deviceLimit: envInt('VISITOR_DEVICE_LIMIT', 5, 1),
      deviceWindow: envInt('VISITOR_DEVICE_WINDOW', 3600, 1),
      twinMs: envInt('VISITOR_TWIN_MS', 10000, 0),
      newLimitIp: envInt('VISITOR_NEW_LIMIT_IP', 20, 1),
      newWindow: envInt('VISITOR_NEW_WINDOW', 3600, 1),
      // Visitors deleted per purge transaction.
      purgeBatch: 500,
    },
    // CONTRACT: messaging limits (README "Messaging", "Configuration").
    messaging: {
      wsConnectLimitIp: envInt('WS_CONNECT_LIMIT_IP', 60, 1),
      wsMaxPerSession: envInt('WS_MAX_PER_SESSION', 4096, 1),
      wsMaxPerProcess: envInt('WS_MAX_PER_PROCESS', 50000, 1),
      msgRateLimit: envInt('MSG_RATE_LIMIT', 60, 1),
      msgNewConvLimit: envInt('MSG_NEW_CONV_LIMIT', 100, 1),
      revokeWindowMinutes: envInt('REVOKE_WINDOW_MINUTES', 5, 1),
      inboxMax: envInt('INBOX_MAX', 1000, 1),
      inboxTtl: envInt('INBOX_TTL', 2592000, 1),
      // Pub/sub channels are shared by every database of a Redis server: deployments (or test
      // runs) sharing one server set different prefixes.
      channelPrefix: envString('MSG_CHANNEL_PREFIX', 'im:ev:'),
      heartbeatMs: envInt('WS_HEARTBEAT_MS', 30000, 100),
      idleTimeoutMs: envInt('WS_IDLE_TIMEOUT_MS', 60000, 100),
      userCheckMs: envInt('WS_USER_CHECK_MS', 60000, 100),
      healthCheckMs: envInt('WS_HEALTH_CHECK_MS', 1000, 100),
      maxBufferedBytes: envInt('WS_MAX_BUFFERED_BYTES', 1048576, 1024),
      // Frames sent and not yet confirmed by a pong (at most one batch is ever sent twice).
      batch: 50,
      clientFrameLimit: 20,
      clientFrameWindowMs: 10000,
      maxFrameBytes: 4096,
      bodyLimit: '64kb',
      clientMsgTtl: 86400,
      clientMsgClaimMs: 30000,
      clientMsgWaitMs: 5000,
    },
    // Friends (README "Friends"): caps and the application limit (windows in seconds).
    friends: {
      max: envInt('FRIEND_MAX', 5000, 1),
      pendingMax: envInt('FRIEND_PENDING_MAX', 1000, 1),
      applyLimit: envInt('FRIEND_APPLY_LIMIT', 30, 1),
      applyWindow: envInt('FRIEND_APPLY_WINDOW', 3600, 1),
      reapplyCooldown: envInt('FRIEND_REAPPLY_COOLDOWN', 86400, 0),
      // New applicants (visitors, accounts younger than newAccountAge s) may hold at most
      // pendingNewMax of a target's pending applications (README "Friends", full inboxes).
      pendingNewMax: envInt('FRIEND_PENDING_NEW_MAX', 200, 1),
      newAccountAge: envInt('FRIEND_NEW_ACCOUNT_AGE', 604800, 0),
      // getUserSetInfo: distinct other users one caller may look up per lookupWindow s.
      lookupLimit: envInt('USER_LOOKUP_LIMIT', 300, 1),
      lookupLimitVisitor: envInt('USER_LOOKUP_LIMIT_VISITOR', 20, 1),
      lookupWindow: envInt('USER_LOOKUP_WINDOW', 3600, 1),
      /** `from_avatar` of the application notice (CONTRACT-client-behaviour §4): the course's group.png. */
      noticeAvatar: envString('FRIEND_NOTICE_AVATAR', 'https://docs-51yrc-com.oss-cn-hangzhou.aliyuncs.com/chat/group.png'),
    },
    // GET /metrics (README "Metrics"): who may scrape (app/lib/metrics/access.ts), how long the
    // scraped worker waits for the others, how old the inbox sample may be.
    metrics: {
      allowIps: envString('METRICS_ALLOW_IPS', '127.0.0.1,::1').split(',').map(entry => entry.trim()).filter(Boolean),
      token: envString('METRICS_TOKEN', ''),
      collectTimeoutMs: envInt('METRICS_COLLECT_TIMEOUT_MS', 1000, 1),
      inboxCacheMs: envInt('METRICS_INBOX_CACHE_MS', 15000, 0),
    },
    // Uploads, serving and video screenshots (README "Files"); also sets config.multipart.
    files: filesConfig(appInfo.baseDir),
  };
  config.multipart = multipartConfig(im.files) as any;
  allowList(im.metrics.allowIps); // a malformed METRICS_ALLOW_IPS stops the start

  // `as {}` keeps the inferred type to `im` alone, breaking the cycle with EggAppConfig.
  if (im.password.maxInFlight >= threadPoolSize) {
    throw new Error(`HASH_MAX_IN_FLIGHT (${im.password.maxInFlight}) must be below UV_THREADPOOL_SIZE (${threadPoolSize}): file reads share that pool`);
  }
  return { ...config as {}, im };
};
