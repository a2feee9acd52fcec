// Admin passwords (CONTRACT-admin §2): at least 10 characters and not on the common-password
// list shipped here (the most frequent leaked passwords of 10+ characters, and obvious ones).

const COMMON = new Set([
  '1234567890', '0123456789', '12345678910', '1234567891', '123456789a', 'a123456789', '1q2w3e4r5t', '1qaz2wsx3edc',
  'qwertyuiop', 'qwerty12345', 'qwerty123456', 'password12', 'password123', 'password1234', 'passw0rd123',
  'iloveyou12', 'abc1234567', 'abcd123456', 'abcdefghij', '1111111111', '0000000000', '9876543210', '5201314520',
  'aaaaaaaaaa', 'administrator', 'admin12345', 'admin123456', 'adminadmin', 'superadmin', 'changeme123',
  'welcome123', 'letmein123', 'football123', 'baseball123', 'dragon1234', 'monkey1234', 'sunshine12',
  'princess12', 'trustno1234', 'zaq12wsxcde', 'q1w2e3r4t5', 'asdfghjkl1', 'zxcvbnm123', 'asdf123456',
  '1234qwerasdf', 'qwer123456', '123123123123', '1234512345', '7777777777', '8888888888', 'woaini1314',
]);

export const ADMIN_PASSWORD_MIN = 10;

/** The locale key of the reason a password is refused, or undefined when it is acceptable. */
export function adminPasswordReason(password: unknown): string | undefined {
  if (typeof password !== 'string' || [ ...password ].length < ADMIN_PASSWORD_MIN || password.length > 128) return 'admin.password.length';
  if (COMMON.has(password.toLowerCase())) return 'admin.password.common';
}

/** CONTRACT-admin §2: 4-32 characters of [A-Za-z0-9_.-]. */
export const isAdminUsername = (value: unknown): value is string => typeof value === 'string' && /^[A-Za-z0-9_.-]{4,32}$/.test(value);
