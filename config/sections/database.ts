// MySQL/MariaDB (config.sequelize) and Redis (config.redis): where they are, from the environment.
import { HostPort } from '../../app/lib/env';
import { SectionOf } from './env';

/** The MySQL/MariaDB primary and its read replicas (README "Deploying"). */
export interface MysqlSection {
  /** The primary's host. `MYSQL_HOST`, default `127.0.0.1`. */
  host: string;
  /** The primary's port. `MYSQL_PORT`, default 3306, at least 1. */
  port: number;
  /** User of the primary and the replicas. `MYSQL_USER`, default `root`. */
  username: string;
  /** Its password. `MYSQL_PASSWORD`, default empty. */
  password: string;
  /** Database name. `MYSQL_DATABASE`, default `chat` (tests: `chat_unittest`). */
  database: string;
  /** Read replicas for plain SELECTs (the port defaults to MYSQL_PORT); empty: none. `MYSQL_READ_HOSTS` (`host:port,host:port`), default empty. */
  readHosts: HostPort[];
}

export const mysqlSection: SectionOf<MysqlSection> = ({ envInt, envString, envHostList }) => {
  const host = envString('MYSQL_HOST', '127.0.0.1');
  const port = envInt('MYSQL_PORT', 3306, 1);
  const username = envString('MYSQL_USER', 'root');
  const password = envString('MYSQL_PASSWORD', '');
  const readHosts = envHostList('MYSQL_READ_HOSTS', port);
  return { host, port, username, password, database: envString('MYSQL_DATABASE', 'chat'), readHosts };
};

/**
 * Redis, in one of three topologies (README "Deploying"): Sentinel when `REDIS_SENTINELS` is set,
 * Cluster when `REDIS_CLUSTER_NODES` is set (never both), otherwise one server.
 */
export type RedisSection =
  | { topology: 'single'; /** `REDIS_HOST`, default `127.0.0.1`. */ host: string; /** `REDIS_PORT`, default 6379, at least 1. */ port: number; password: string; db: number }
  | { topology: 'sentinel'; /** `REDIS_SENTINELS` (`host:port,...`, port 26379 by default). */ sentinels: HostPort[];
    /** `REDIS_SENTINEL_NAME`, default `mymaster`. */ name: string; /** `REDIS_SENTINEL_PASSWORD`, default empty. */ sentinelPassword: string; password: string; db: number }
  | { topology: 'cluster'; /** `REDIS_CLUSTER_NODES` (seed nodes `host:port,...`, port 6379 by default; database 0 only). */ nodes: HostPort[]; password: string };

/** Fields every topology shares: `REDIS_PASSWORD` (default empty) and `REDIS_DB` (default 0, tests: 1). */
export const redisSection: SectionOf<RedisSection> = ({ envInt, envString, envHostList }) => {
  const password = envString('REDIS_PASSWORD', '');
  const db = envInt('REDIS_DB', 0);
  const sentinels = envHostList('REDIS_SENTINELS', 26379);
  const nodes = envHostList('REDIS_CLUSTER_NODES', 6379);
  if (sentinels.length && nodes.length) {
    throw new Error('Set REDIS_SENTINELS or REDIS_CLUSTER_NODES, not both');
  }
  // Only the chosen topology's variables are read.
  if (nodes.length) return { topology: 'cluster', nodes, password };
  if (sentinels.length) {
    return {
      topology: 'sentinel',
      sentinels,
      name: envString('REDIS_SENTINEL_NAME', 'mymaster'),
      sentinelPassword: envString('REDIS_SENTINEL_PASSWORD', ''),
      password,
      db,
    };
  }
  return { topology: 'single', host: envString('REDIS_HOST', '127.0.0.1'), port: envInt('REDIS_PORT', 6379, 1), password, db };
};
