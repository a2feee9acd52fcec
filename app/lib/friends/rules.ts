// Request fields of the friends routes (README "Friends"). The shared rule types (`integer`,
// `text`, `choice`) come from app/lib/rules.ts; the checkers below are this domain's own,
// registered next to those in app.ts. Each returns the key of its text (config/locale/*.json).
import { checkText } from '../rules';
import { parseUserset } from './userset';

type Checker = (rule: unknown, value: unknown) => string | undefined;

export const PAGE_MAX = 100000;
export const NICKNAME_MAX = 30;
export const AVATAR_MAX = 1000;
export const PROFILE_FIELDS = [ 'nickname', 'avatar', 'invite_confirm' ] as const;
export type ProfileField = typeof PROFILE_FIELDS[number];

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// An http(s) URL with a host, or a path on this server (one leading slash: `//host` is a URL).
const AVATAR = /^(https?:\/\/[^\s/?#]+([/?#]\S*)?|\/(?!\/)\S*)$/i;

const length = (value: string) => [ ...value ].length;

export const checkUuid: Checker = (_rule, value) => (typeof value === 'string' && UUID.test(value) ? undefined : 'friends.format');

/** `{ type: 'friendsUserset', min, max }`: a text (line breaks let through to the format check) in the documented JSON shape. */
export const checkUserset: Checker = (rule, value) =>
  checkText({ ...rule as object, multiline: true }, value) ?? (parseUserset(value as string) ? undefined : 'friends.format');

/** updateUserinfo's `fieldname`: exactly one of PROFILE_FIELDS; `username` has its own text. */
export const checkFieldname: Checker = (_rule, value) => {
  if (value === 'username') return 'friends.usernameImmutable';
  return (PROFILE_FIELDS as readonly unknown[]).includes(value) ? undefined : 'friends.fieldnameChoice';
};

/** A profile text: a string, at most `max` characters (else `tooLong`), no control characters. */
function profileText(value: unknown, max: number, tooLong: string): string | undefined {
  if (typeof value !== 'string') return 'validation.notString';
  return length(value) > max ? tooLong : checkText({}, value);
}

export const checkProfileNickname: Checker = (_rule, value) => profileText(value, NICKNAME_MAX, 'friends.nicknameTooLong');

export const checkProfileAvatar: Checker = (_rule, value) =>
  profileText(value, AVATAR_MAX, 'friends.avatarTooLong') ?? (AVATAR.test(value as string) ? undefined : 'friends.format');

export const checkInviteConfirm: Checker = (_rule, value) =>
  ([ 0, 1, '0', '1' ].includes(value as number) ? undefined : 'friends.inviteConfirmValue');

export const friendsRules: Record<string, Checker> = {
  friendsUuid: checkUuid,
  friendsUserset: checkUserset,
  friendsFieldname: checkFieldname,
  friendsNickname: checkProfileNickname,
  friendsAvatar: checkProfileAvatar,
  friendsInviteConfirm: checkInviteConfirm,
};

// "" and JSON null count as absent: an optional field takes its default, a required one is missing.
const optional = { required: false, widelyUndefined: true };
const required = { widelyUndefined: true };
const flag = { type: 'integer', min: 0, max: 1 };

export const idRules = { id: { type: 'integer' } };
export const uuidRules = { uuid: { type: 'friendsUuid' } };
export const pageRules = { page: { type: 'integer', max: PAGE_MAX, required: false } };
export const limitRules = (max: number) => ({ limit: { type: 'integer', max, ...optional } });

export const applyRules = {
  friend_id: { type: 'integer', ...required },
  // The application message: the one text here that may hold line breaks.
  nickname: { type: 'text', min: 0, max: 50, multiline: true, trim: true, ...optional },
};

export const HANDLE_STATUSES = [ 'agree', 'refuse', 'ignore' ] as const;
export type HandleStatus = typeof HANDLE_STATUSES[number];
export const handleRules = {
  status: { type: 'choice', values: HANDLE_STATUSES, reason: 'friends.statusChoice', ...required },
};
/** My remark for the applicant; checked only when agreeing (refuse/ignore ignore it). */
export const remarkRules = {
  nickname: { type: 'text', min: 0, max: 50, trim: true, ...optional },
};

export const blackRules = { isblack: { ...flag, ...optional } };
export const starRules = { ismystarfriend: { ...flag, ...optional } };
export const visibilityRules = {
  friendlookme: { ...flag, ...required },
  melookfriend: { ...flag, ...required },
};

export const usersetRules = { userset: { type: 'friendsUserset', min: 2, max: 1000, ...required } };
export const userSetInfoRules = { userid: { type: 'integer', ...required } };

export const fieldnameRules = { fieldname: { type: 'friendsFieldname', ...required } };
/** `fieldValue` by `fieldname`: nickname and avatar are trimmed first, so blanks are missing. */
export const fieldValueRules: Record<ProfileField, Record<string, object>> = {
  nickname: { fieldValue: { type: 'friendsNickname', trim: true, ...required } },
  avatar: { fieldValue: { type: 'friendsAvatar', trim: true, ...required } },
  invite_confirm: { fieldValue: { type: 'friendsInviteConfirm', ...required } },
};
