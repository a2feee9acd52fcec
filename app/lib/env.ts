// Typed reads of process.env that fail loudly on values they cannot parse,
// so a typo in the deployment shows up at start-up instead of as odd behaviour.
import { existsSync } from 'node:fs';
import path from 'node:path';

export function loadDotEnv(baseDir: string): void {
  const file = path.join(baseDir, '.env');
  // Variables already in the environment win over the file (Node's own rule).
  if (existsSync(file)) process.loadEnvFile(file);
}

function raw(key: string): string | undefined {
  const value = process.env[key];
  return value === undefined || value === '' ? undefined : value;
}

export function envString(key: string, fallback: string): string {
  return raw(key) ?? fallback;
}

export function envInt(key: string, fallback: number, min = 0): number {
  const value = raw(key);
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value) || Number(value) < min) {
    throw new Error(`Environment variable ${key} must be an integer >= ${min}, got "${value}"`);
  }
  return Number(value);
}

export function envBool(key: string, fallback: boolean): boolean {
  const value = raw(key);
  if (value === undefined) return fallback;
  if (/^(true|1|yes)$/i.test(value)) return true;
  if (/^(false|0|no)$/i.test(value)) return false;
  throw new Error(`Environment variable ${key} must be true or false, got "${value}"`);
}

export function envChoice<T extends string>(key: string, choices: readonly T[], fallback: T): T {
  const value = raw(key);
  if (value === undefined) return fallback;
  if (!(choices as readonly string[]).includes(value)) {
    throw new Error(`Environment variable ${key} must be one of ${choices.join(', ')}, got "${value}"`);
  }
  return value as T;
}

export interface HostPort {
  host: string;
  port: number;
}

/** "host:port,host:port" -> [{ host, port }]; the port defaults to `defaultPort`. Empty when unset. */
export function envHostList(key: string, defaultPort: number): HostPort[] {
  const value = raw(key);
  if (value === undefined) return [];
  return value.split(',').map(item => item.trim()).filter(Boolean).map(item => {
    const match = /^([^\s:]+|\[[0-9a-fA-F:]+\])(?::(\d+))?$/.exec(item);
    if (!match) throw new Error(`Environment variable ${key} must list host:port pairs separated by commas, got "${value}"`);
    return { host: match[1].replace(/^\[|\]$/g, ''), port: match[2] ? Number(match[2]) : defaultPort };
  });
}
