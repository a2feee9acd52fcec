// Visitor mode (README "Visitor mode").
import { SectionOf } from './env';

/** Visitor accounts: the signature salt, the purge and the visitor routes' limits (windows in seconds). */
export interface VisitorsSection {
  /**
   * Salt of `X-Security-Sign`. It ships inside every copy of the app: the signature filters
   * scripts, it does not authenticate anyone. `VISITOR_SIGN_SALT`, default the app's own salt.
   */
  signSalt: string;
  /** Days a visitor may stay idle before the daily purge deletes it; 0 keeps visitors forever. `VISITOR_RETENTION_DAYS`, default 90, at least 0. */
  retentionDays: number;
  /** Calls of the three visitor routes per device per window. `VISITOR_DEVICE_LIMIT`, default 5, at least 1. */
  deviceLimit: number;
  /** Window of the per-device limit, in s. `VISITOR_DEVICE_WINDOW`, default 3600, at least 1. */
  deviceWindow: number;
  /** A visitor call identical to one counted this recently (ms) counts once; 0: off. `VISITOR_TWIN_MS`, default 10000, at least 0. */
  twinMs: number;
  /** New visitors per IP per window. `VISITOR_NEW_LIMIT_IP`, default 20, at least 1. */
  newLimitIp: number;
  /** Window of the new-visitor limit, in s. `VISITOR_NEW_WINDOW`, default 3600, at least 1. */
  newWindow: number;
  /** Visitors deleted per purge transaction. Fixed: 500. */
  purgeBatch: number;
}

export const visitorsSection: SectionOf<VisitorsSection> = ({ envInt, envString }) => {
  return {
    signSalt: envString('VISITOR_SIGN_SALT', '45ncashdaksh2!#@3nxjdas*_259'),
    retentionDays: envInt('VISITOR_RETENTION_DAYS', 90, 0),
    deviceLimit: envInt('VISITOR_DEVICE_LIMIT', 5, 1),
    deviceWindow: envInt('VISITOR_DEVICE_WINDOW', 3600, 1),
    twinMs: envInt('VISITOR_TWIN_MS', 10000, 0),
    newLimitIp: envInt('VISITOR_NEW_LIMIT_IP', 20, 1),
    newWindow: envInt('VISITOR_NEW_WINDOW', 3600, 1),
    purgeBatch: 500,
  };
};
