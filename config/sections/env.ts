// The environment readers every section receives (app/lib/env.ts): typed, and loud on values
// they cannot parse. Sections take them as a parameter instead of importing them, so a test can
// hand in readers that record which variables a section reads.
import { EggAppInfo } from 'egg';
import { envBool, envChoice, envHostList, envInt, envString } from '../../app/lib/env';

export interface Env {
  envInt: typeof envInt;
  envString: typeof envString;
  envBool: typeof envBool;
  envChoice: typeof envChoice;
  envHostList: typeof envHostList;
}

export const processEnv: Env = { envInt, envString, envBool, envChoice, envHostList };

/** What every section module exports: the environment readers and Egg's appInfo in, one typed section out. */
export type SectionOf<T> = (env: Env, appInfo: EggAppInfo) => T;
