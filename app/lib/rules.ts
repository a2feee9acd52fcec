// CONTRACT: request fields. Custom egg-validate rules; each checker returns the reason
// without the field name, the error handler prefixes it ("username 长度应为 4-20 位").

type Checker = (rule: unknown, value: unknown) => string | undefined;

const length = (value: string) => [ ...value ].length; // characters, not UTF-16 units or bytes

export const checkUsername: Checker = (_rule, value) => {
  if (typeof value !== 'string') return '必须是字符串';
  if (length(value) < 4 || length(value) > 20) return '长度应为 4-20 位';
  if (!/^[A-Za-z0-9_]+$/.test(value)) return '只能包含字母、数字和下划线';
};

export const checkPassword: Checker = (_rule, value) => {
  if (typeof value !== 'string') return '必须是字符串';
  if (length(value) < 6 || length(value) > 20) return '长度应为 6-20 位';
};

// The keyword is trimmed by the rule's `trim: true` before this runs.
export const checkKeyword: Checker = (_rule, value) => {
  if (typeof value !== 'string') return '必须是字符串';
  if (length(value) < 1 || length(value) > 50) return '长度应为 1-50 位';
};

// A form sends "10"; a JSON client may send 10. Both mean the same.
export const checkLimit: Checker = (_rule, value) => {
  const text = typeof value === 'number' ? String(value) : value;
  if (typeof text !== 'string' || !/^\d{1,2}$/.test(text) || Number(text) < 1 || Number(text) > 50) {
    return '应为 1-50 之间的整数';
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
