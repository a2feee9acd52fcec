// CONTRACT: request fields. Custom egg-validate rules; each checker returns the key of its
// reason (texts in config/locale/*.json); validationError() turns egg-validate's report into
// one ValidationError naming the field ("username 长度应为 4-20 位").
import { ValidationError } from './errors';

export type Checker = (rule: unknown, value: unknown) => string | undefined;

/** Length (or value) bounds per field, used by the checks and by the texts' {min}/{max}. */
export const BOUNDS = {
  username: { min: 4, max: 20 },
  password: { min: 6, max: 20 },
  keyword: { min: 1, max: 50 },
  limit: { min: 1, max: 50 },
} as const;

const length = (value: string) => [ ...value ].length; // characters, not UTF-16 units or bytes

const lengthReason = (value: unknown, { min, max }: { min: number; max: number }) => {
  if (typeof value !== 'string') return 'validation.notString';
  if (length(value) < min || length(value) > max) return 'validation.length';
};

export const checkUsername: Checker = (_rule, value) =>
  lengthReason(value, BOUNDS.username) ?? (/^[A-Za-z0-9_]+$/.test(value as string) ? undefined : 'validation.usernameCharset');

export const checkPassword: Checker = (_rule, value) => lengthReason(value, BOUNDS.password);

// The keyword is trimmed by the rule's `trim: true` before this runs.
export const checkKeyword: Checker = (_rule, value) => lengthReason(value, BOUNDS.keyword);

// A form sends "10"; a JSON client may send 10. Both mean the same.
export const checkLimit: Checker = (_rule, value) => {
  const text = typeof value === 'number' ? String(value) : value;
  const { min, max } = BOUNDS.limit;
  if (typeof text !== 'string' || !/^\d{1,2}$/.test(text) || Number(text) < min || Number(text) > max) {
    return 'validation.integerRange';
  }
};

/** Largest id of an `INT UNSIGNED` column. */
export const MAX_ID = 4294967295;

/**
 * `{ type: 'integer', min, max }`: a JSON integer or a decimal string, no sign, space or leading
 * zero (form bodies and path segments are strings). Defaults: an id, 1 to MAX_ID.
 */
export const checkInteger: Checker = (rule, value) => {
  const { min = 1, max = MAX_ID } = rule as { min?: number; max?: number };
  const text = typeof value === 'number' ? String(value) : value;
  if (typeof text !== 'string' || !/^(0|[1-9]\d{0,15})$/.test(text) || Number(text) < min || Number(text) > max) {
    return 'validation.integerRange';
  }
};

// C0 controls and DEL; `multiline` texts may hold line breaks.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;
// eslint-disable-next-line no-control-regex
const CONTROL_BUT_LINE_BREAKS = /[\u0000-\u0009\u000b\u000c\u000e-\u001f\u007f]/;

/**
 * `{ type: 'text', min, max, multiline? }`: a string of min-max characters without control
 * characters. Add `trim: true` to trim first, and `widelyUndefined: true` so that `""` and
 * JSON null count as absent (egg-validate's own options).
 */
export const checkText: Checker = (rule, value) => {
  const { min = 0, max = Infinity, multiline = false } = rule as { min?: number; max?: number; multiline?: boolean };
  return lengthReason(value, { min, max }) ??
    ((multiline ? CONTROL_BUT_LINE_BREAKS : CONTROL).test(value as string) ? 'validation.controlChars' : undefined);
};

/** `{ type: 'choice', values, reason }`: exactly one of `values` (compared as typed); else the rule's own text key. */
export const checkChoice: Checker = (rule, value) => {
  const { values, reason } = rule as { values: readonly unknown[]; reason: string };
  return values.includes(value) ? undefined : reason;
};

export const customRules: Record<string, Checker> = {
  username: checkUsername,
  password: checkPassword,
  keyword: checkKeyword,
  limit: checkLimit,
  integer: checkInteger,
  text: checkText,
  choice: checkChoice,
};

/** A validated integer field (checkInteger) as a number; absent stays undefined. */
export function toInt(value: unknown): number | undefined {
  return value === undefined || value === null || value === '' ? undefined : Number(value);
}

export const credentialsRules = {
  username: { type: 'username' },
  password: { type: 'password' },
};

export const searchRules = {
  keyword: { type: 'keyword', trim: true },
  limit: { type: 'limit', required: false },
};

/** What egg-validate reports per failed field. */
export interface ParamError {
  field?: string;
  code: string;
  message: string;
}

/**
 * egg-validate's report -> the first failure (fields are checked in the order the rules list
 * them), as the error the envelope shows. The text's {min}/{max} come from the field's rule, or
 * from BOUNDS for the account fields.
 */
export function validationError(errors: ParamError[], rules: Record<string, unknown> = {}): ValidationError {
  const [ first ] = errors;
  if (!first.field) return new ValidationError('validation.bodyNotObject');
  const rule = (rules[first.field] ?? {}) as { min?: number; max?: number };
  const bounds: Record<string, number> = { ...BOUNDS[first.field as keyof typeof BOUNDS] };
  if (rule.min !== undefined) bounds.min = rule.min;
  if (rule.max !== undefined) bounds.max = rule.max;
  if ((rule as { type?: string }).type === 'integer') {
    bounds.min ??= 1;
    bounds.max ??= MAX_ID;
  }
  const key = first.code === 'missing_field' ? 'validation.required' : first.message;
  return new ValidationError(key, { field: first.field, ...bounds });
}
