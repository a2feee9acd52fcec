// CONTRACT: request fields of the messaging routes other than sendmessage (app/lib/messaging/messageInput.ts).
import { NotFoundError, ValidationError } from '../errors';
import { checkInteger } from '../rules';

const BIGINT_MAX = 18446744073709551615n;

export const historyParamRules = { user_id: { type: 'integer' } };

export const historyQueryRules = {
  before: { type: 'integer', required: false, widelyUndefined: true },
  limit: { type: 'integer', min: 1, max: 100, required: false, widelyUndefined: true },
  // CONTRACT-groups §B: `group` reads the group `:user_id` names; absent = single.
  chatType: { type: 'choice', values: [ 'single', 'group' ], reason: 'messaging.validation.chatType', required: false, widelyUndefined: true },
};

export const DEFAULT_HISTORY_LIMIT = 30;

/** revokeMessage: `id`, `chatType`, `to_id` required; an `id` that names no message is 404. */
export function parseRevoke(raw: unknown): { id: string; chatType: string; toId: number } {
  const body = (typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? raw : {}) as Record<string, unknown>;
  for (const field of [ 'id', 'chatType', 'to_id' ]) {
    if (body[field] === undefined || body[field] === null || body[field] === '') throw new ValidationError('validation.required', { field });
  }
  if (checkInteger({}, body.to_id)) throw new ValidationError('messaging.validation.positiveInteger', { field: 'to_id' });
  const id = typeof body.id === 'number' ? String(body.id) : body.id;
  if (typeof id !== 'string' || !/^[1-9]\d{0,19}$/.test(id) || BigInt(id) > BIGINT_MAX) {
    throw new NotFoundError('messaging.error.messageNotFound');
  }
  return { id, chatType: String(body.chatType), toId: Number(body.to_id) };
}
