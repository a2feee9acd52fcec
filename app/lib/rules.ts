// CONTRACT: request fields. Custom egg-validate rules; each checker returns the key of its
// reason (texts in config/locale/*.json); validationError() turns egg-validate's report into
// one ValidationError naming the field ("username 长度应为 4-20 位").
import { ValidationError } from './errors';

type Checker = (rule: unknown, value: unknown) => string | undefined;

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

export const customRules: Record<string, Checker> = {
  username: checkUsername,
  password: checkPassword,
  keyword: checkKeyword,
  limit: checkLimit,
};

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

/** egg-validate's report -> the first failure, as the error the envelope shows. */
export function validationError(errors: ParamError[]): ValidationError {
  const [ first ] = errors;
  if (!first.field) return new ValidationError('validation.bodyNotObject');
  const bounds = BOUNDS[first.field as keyof typeof BOUNDS] ?? {};
  const key = first.code === 'missing_field' ? 'validation.required' : first.message;
  return new ValidationError(key, { field: first.field, ...bounds });
}
