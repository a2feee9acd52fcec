// Request fields of the groups routes (CONTRACT-groups §0, §A, §F). The shared rule types
// (`integer`, `text`, `choice`) come from app/lib/rules.ts; the checkers below are this domain's
// own (registered with the others in app.ts). Each returns the key of its text (config/locale/*.json).
import { checkInteger, MAX_ID } from '../rules';

type Checker = (rule: unknown, value: unknown) => string | undefined;

/** A group holds at most this many members by default (GROUP_MAX_MEMBERS), so create takes at most 499 others. */
export const USER_IDS_MAX = 499;
export const NAME_MAX = 20;
export const REMARK_MAX = 500;
export const NICKNAME_MAX = 20;
export const APPLY_DESC_MAX = 500;
export const LIST_LIMIT_MAX = 100;
export const LIST_LIMIT_DEFAULT = 30;
/** groupInviteUser's `inviteuser_id` for a self-join by QR code. */
export const SELF_JOIN_INVITER = -1;
export const INVITE_CONFIRM_VALUES = [ 0, 1, 2 ] as const;
export const AGREE_TYPES = [ 'agree', 'no' ] as const;
export type AgreeType = typeof AGREE_TYPES[number];

/**
 * create's `userIds` as the ids it names, duplicates skipped (first occurrence kept), or null
 * when it is not 1-499 entries that each follow the integer rule. Accepted forms: a JSON array,
 * a form's `userIds[]` (an array of strings), a JSON string of an array.
 */
export function parseUserIds(value: unknown, max = USER_IDS_MAX): number[] | null {
  let entries = value;
  if (typeof entries === 'string') {
    try {
      entries = JSON.parse(entries);
    } catch {
      return null;
    }
  }
  if (!Array.isArray(entries) || entries.length < 1 || entries.length > max) return null;
  if (entries.some(entry => checkInteger({}, entry) !== undefined)) return null;
  return [ ...new Set(entries.map(Number)) ];
}

/** `{ type: 'groupsUserIds', min, max }`: parseUserIds accepts it. */
export const checkUserIds: Checker = (rule, value) => {
  const { max = USER_IDS_MAX } = rule as { max?: number };
  return parseUserIds(value, max) ? undefined : 'groups.userIds';
};

/** `{ type: 'groupsInviter' }`: -1 (a self-join) or an id. */
export const checkInviter: Checker = (_rule, value) =>
  (value === SELF_JOIN_INVITER || value === String(SELF_JOIN_INVITER) || checkInteger({}, value) === undefined ? undefined : 'groups.inviterRange');

export const groupsRules: Record<string, Checker> = {
  groupsUserIds: checkUserIds,
  groupsInviter: checkInviter,
};

// "" and JSON null count as absent: an optional field takes its default, a required one is missing.
const optional = { required: false, widelyUndefined: true };
const required = { widelyUndefined: true };
const id = { type: 'integer', ...required };

export const createRules = { userIds: { type: 'groupsUserIds', min: 1, max: USER_IDS_MAX, ...required } };
export const listRules = {
  page: { type: 'integer', ...optional },
  limit: { type: 'integer', max: LIST_LIMIT_MAX, ...optional },
};
export const idRules = { id };
export const nameRules = { id, name: { type: 'text', min: 1, max: NAME_MAX, trim: true, ...required } };
export const remarkRules = { id, remark: { type: 'text', min: 1, max: REMARK_MAX, multiline: true, trim: true, ...required } };
export const nicknameRules = { id, nickname: { type: 'text', min: 1, max: NICKNAME_MAX, trim: true, ...required } };
export const memberRules = { group_id: id, user_id: id };
export const transferRules = { id, user_id: id };
export const inviteRules = {
  group_id: id,
  user_id: id,
  inviteuser_id: { type: 'groupsInviter', min: 1, max: MAX_ID, ...optional },
  addGroupDesc: { type: 'text', min: 0, max: APPLY_DESC_MAX, trim: true, ...optional },
};
export const addUserSetRules = {
  group_id: id,
  addGroupSet: { type: 'choice', values: [ ...INVITE_CONFIRM_VALUES, ...INVITE_CONFIRM_VALUES.map(String) ], reason: 'groups.addGroupSetChoice', ...required },
};
export const agreeRules = {
  group_id: id,
  user_id: id,
  type: { type: 'choice', values: AGREE_TYPES, reason: 'groups.typeChoice', ...required },
};

/** A validated list request: page from 1, limit 1-100 (default 30), as an offset. */
export function pageWindow(page: number | undefined, limit: number | undefined): { offset: number; limit: number } {
  const size = limit ?? LIST_LIMIT_DEFAULT;
  return { offset: ((page ?? 1) - 1) * size, limit: size };
}

export const QR_CHAT_TYPES = [ 'group', 'single' ] as const;
/** groupQrcode's query (`id` is the path's): `type` H5 asks for the link form, which needs `http`. */
export const qrRules = {
  type: { type: 'text', min: 0, max: 20, ...optional },
  http: { type: 'text', min: 0, max: 2000, ...optional },
  chatType: { type: 'choice', values: QR_CHAT_TYPES, reason: 'messaging.validation.chatType', ...optional },
};

/**
 * grouplist's `:page` as the course's API list spells it, `1&limit=3`: the page, and the
 * parameters after the first `&` (a real query string wins over them).
 */
export function splitPage(raw: string | undefined): { page: string | undefined; extra: Record<string, string> } {
  if (raw === undefined || !raw.includes('&')) return { page: raw, extra: {} };
  const at = raw.indexOf('&');
  return { page: raw.slice(0, at), extra: Object.fromEntries(new URLSearchParams(raw.slice(at + 1))) };
}
