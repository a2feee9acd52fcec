// CONTRACT visitor routes: the fields every visitor route takes (deviceId, timestamp) and the
// optional statistics fields of visitorRegister. Registered with the shared rules in app.ts.
import { Checker, credentialsRules } from '../rules';

export const DEVICE_ID = /^[A-Za-z0-9_-]{36,64}$/;

/** Device statistics fields; longer values are cut to this many characters. */
export const STATS_FIELDS = [ 'uniplatform', 'devicemodel', 'deviceos', 'devicebrand' ] as const;
export const STATS_MAX = 50;

export const checkDeviceId: Checker = (_rule, value) =>
  (typeof value === 'string' && DEVICE_ID.test(value) ? undefined : 'visitors.invalidDevice');

/** Milliseconds since the epoch: a JSON integer or its decimal text (no sign, space or leading zero). */
export const checkTimestamp: Checker = (_rule, value) => {
  const text = typeof value === 'number' ? String(value) : value;
  const ok = typeof text === 'string' && /^(0|[1-9]\d{0,15})$/.test(text) && Number.isSafeInteger(Number(text));
  return ok ? undefined : 'visitors.timestampFormat';
};

export const visitorCustomRules: Record<string, Checker> = {
  deviceId: checkDeviceId,
  timestamp: checkTimestamp,
};

const signedRules = {
  deviceId: { type: 'deviceId' },
  timestamp: { type: 'timestamp' },
};

const statsRule = { type: 'text', required: false, widelyUndefined: true };

export const visitorRegisterRules = {
  ...signedRules,
  ...Object.fromEntries(STATS_FIELDS.map(field => [ field, statsRule ])),
};

export const visitorCredentialRules = { ...signedRules, ...credentialsRules };

export type DeviceStats = Partial<Record<typeof STATS_FIELDS[number], string>>;

export interface SignedFields {
  deviceId: string;
  timestamp: string | number;
}

export type VisitorRegisterInput = SignedFields & DeviceStats;

export interface VisitorCredentialInput extends SignedFields {
  username: string;
  password: string;
}

/** The statistics fields that were sent, each cut to STATS_MAX characters. */
export function statsOf(input: DeviceStats): DeviceStats {
  const stats: DeviceStats = {};
  for (const field of STATS_FIELDS) {
    const value = input[field];
    if (value !== undefined) stats[field] = [ ...value ].slice(0, STATS_MAX).join('');
  }
  return stats;
}
