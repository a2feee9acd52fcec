// A user's chat settings (`user.userset`): who may message them before being friends.
// Stored as canonical JSON: {"chatset":{"visitor":S,"user":S}}, S = {"sendCount":n,"needFollow":b}.
// The friends domain validates and stores it (POST /api/chat/userset); messaging reads it.

/** 0: strangers may not message me; 1: one message before we are friends; 2: any number. */
export type SendCount = 0 | 1 | 2;

export interface ChatSetting {
  sendCount: SendCount;
  needFollow: boolean;
}

export interface Userset {
  chatset: { visitor: ChatSetting; user: ChatSetting };
}

/** What an unset (`''`) userset means. */
export const DEFAULT_SEND_COUNT: SendCount = 1;

const isSendCount = (value: unknown): value is SendCount => value === 0 || value === 1 || value === 2;

const hasExactly = (value: object, keys: string[]) => {
  const own = Object.keys(value);
  return own.length === keys.length && keys.every(key => own.includes(key));
};

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** S, or a bare 0-2 (older clients) meaning `{sendCount: n, needFollow: false}`. */
function chatSetting(value: unknown): ChatSetting | null {
  if (isSendCount(value)) return { sendCount: value, needFollow: false };
  if (!isObject(value) || !hasExactly(value, [ 'sendCount', 'needFollow' ])) return null;
  const { sendCount, needFollow } = value;
  return isSendCount(sendCount) && typeof needFollow === 'boolean' ? { sendCount, needFollow } : null;
}

/** The settings a client sent, or null when the text is not exactly that shape (extra keys, line breaks). */
export function parseUserset(text: string): Userset | null {
  if (/[\r\n]/.test(text)) return null;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (!isObject(value) || !hasExactly(value, [ 'chatset' ])) return null;
  const { chatset } = value;
  if (!isObject(chatset) || !hasExactly(chatset, [ 'visitor', 'user' ])) return null;
  const visitor = chatSetting(chatset.visitor);
  const user = chatSetting(chatset.user);
  return visitor && user ? { chatset: { visitor, user } } : null;
}

/** Compact JSON with the keys in the documented order, whatever order the client used. */
export function canonicalUserset({ chatset: { visitor, user } }: Userset): string {
  const setting = ({ sendCount, needFollow }: ChatSetting) => ({ sendCount, needFollow });
  return JSON.stringify({ chatset: { visitor: setting(visitor), user: setting(user) } });
}

/** How many messages a stranger of `role` may send before being friends, from the stored text. */
export function sendCountFor(stored: string, role: string): SendCount {
  const userset = stored ? parseUserset(stored) : null;
  if (!userset) return DEFAULT_SEND_COUNT;
  return userset.chatset[role === 'visitor' ? 'visitor' : 'user'].sendCount;
}
