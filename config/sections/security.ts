// Token signing, the client address behind a proxy, and where the logs go.
import path from 'node:path';
import { SectionOf } from './env';

// Signs development tokens only; config.prod.ts refuses to start with it.
export const DEV_JWT_SECRET = 'im-user-service-development-secret-do-not-use-in-production';

export interface JwtSection {
  /** Token signing key. `JWT_SECRET`, default a development secret that production (config.prod.ts) refuses; production needs ≥ 32 characters. */
  secret: string;
  /** The one algorithm tokens are signed and verified with. `JWT_ALGORITHM`, one of HS256, HS384, HS512; default `HS256`. */
  algorithm: 'HS256' | 'HS384' | 'HS512';
}

export const jwtSection: SectionOf<JwtSection> = ({ envString, envChoice }) => {
  const algorithm = envChoice('JWT_ALGORITHM', [ 'HS256', 'HS384', 'HS512' ] as const, 'HS256');
  return { secret: envString('JWT_SECRET', DEV_JWT_SECRET), algorithm };
};

export interface ProxySection {
  /** true: the client address comes from X-Forwarded-For (only behind your own reverse proxy). `TRUST_PROXY`, default false. */
  trustProxy: boolean;
}

export const proxySection: SectionOf<ProxySection> = ({ envBool }) => {
  return { trustProxy: envBool('TRUST_PROXY', false) };
};

export interface LogSection {
  /** Where Egg writes its logs (access.log among them). `LOG_DIR`, default `logs/<app name>` under the project (production: under `$HOME`). */
  dir: string;
}

export const logSection: SectionOf<LogSection> = ({ envString }, appInfo) => {
  return { dir: envString('LOG_DIR', path.join(appInfo.root, 'logs', appInfo.name)) };
};
