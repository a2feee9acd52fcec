// CONTRACT: POST /api/chat/socket/sendmessage fields. One pure function checks the body in the
// contract's order and returns the canonical message to store, or throws the first failure.
import { ValidationError } from '../errors';
import { checkInteger } from '../rules';

export const USER_MESSAGE_TYPES = [ 'text', 'iconMenus', 'image', 'audio', 'video', 'file' ] as const;
export type UserMessageType = typeof USER_MESSAGE_TYPES[number];
export type MessageType = UserMessageType | 'systemNotice';

const MEDIA = new Set([ 'image', 'audio', 'video', 'file' ]);
export const LIMITS = { text: 4096, other: 1000, dataBytes: 16 * 1024, dataType: 20, optionsBytes: 4096 } as const;

export interface SendInput {
  sendtoId: number;
  chatType: 'single' | 'group';
  type: UserMessageType;
  /** Canonical JSON of `{data, dataType, otherData}`, as stored and sent. */
  data: string;
  options: Record<string, unknown>;
  clientMsgId?: string;
}

const fail = (key: string, params: Record<string, string | number> = {}) => new ValidationError(`messaging.validation.${key}`, params);
const required = (field: string) => new ValidationError('validation.required', { field });

export const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** `""`, null and absent all mean "not sent". */
const absent = (value: unknown) => value === undefined || value === null || value === '';

const characters = (text: string) => [ ...text ].length;

function positiveId(field: string, value: unknown): number {
  if (checkInteger({}, value)) throw fail('positiveInteger', { field });
  return Number(value);
}

function recipient(body: Record<string, unknown>): number {
  const { sendto_id: sendto, to_id: to } = body;
  if (absent(sendto) && absent(to)) throw required('sendto_id');
  const sendtoId = absent(sendto) ? undefined : positiveId('sendto_id', sendto);
  const toId = absent(to) ? undefined : positiveId('to_id', to);
  if (sendtoId !== undefined && toId !== undefined && sendtoId !== toId) throw fail('toIdMismatch');
  return (sendtoId ?? toId)!;
}

// JSON's own whitespace, then the object's brace.
const OBJECT_JSON_START = /^[ \t\n\r]*\{/;

/** An object, or a string holding one (JSON, possibly URI-encoded); null when neither. */
export function objectFrom(value: unknown, uriEncoded = false): Record<string, unknown> | null {
  if (isPlainObject(value)) return value;
  if (typeof value !== 'string') return null;
  const attempts = uriEncoded ? [ value, safeDecode(value) ] : [ value ];
  for (const text of attempts) {
    // Only a text starting with "{" can be an object's JSON: the course client's URI-encoded
    // options ("%7B%7D") skip a JSON.parse that would throw on every send.
    if (text === undefined || !OBJECT_JSON_START.test(text)) continue;
    try {
      const parsed: unknown = JSON.parse(text);
      if (isPlainObject(parsed)) return parsed;
    } catch {
      // try the next reading
    }
  }
  return null;
}

function safeDecode(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}

/** `data.data` by message type: text 1-4096 characters, media a URL, iconMenus anything; ≤ 1000. */
function checkContent(type: UserMessageType, content: unknown) {
  if (content === undefined || content === null || (typeof content === 'string' && content.trim() === '')) throw fail('data');
  if (type === 'text') {
    if (typeof content !== 'string') throw fail('data');
    if (characters(content) > LIMITS.text) throw fail('tooLong');
    return;
  }
  if (MEDIA.has(type)) {
    if (typeof content !== 'string') throw fail('data');
    if (characters(content) > LIMITS.other) throw fail('tooLong');
    if (!/^(https?:\/\/\S+|\/\S+)$/i.test(content)) throw fail('data');
    return;
  }
  // iconMenus: any value the client picked, measured as written.
  const text = typeof content === 'string' ? content : JSON.stringify(content);
  if (characters(text) > LIMITS.other) throw fail('tooLong');
}

/** The stored form of `data`: exactly `{data, dataType, otherData}`, in that order. */
function canonicalData(type: UserMessageType, value: unknown): string {
  if (absent(value)) throw required('data');
  const data = objectFrom(value);
  if (!data) throw fail('data');
  checkContent(type, data.data);
  const dataType = data.dataType ?? false;
  if (dataType !== false && (typeof dataType !== 'string' || characters(dataType) > LIMITS.dataType)) throw fail('data');
  const otherData = data.otherData ?? null;
  if (otherData !== null && !isPlainObject(otherData)) throw fail('data');
  const text = JSON.stringify({ data: data.data, dataType, otherData });
  if (Buffer.byteLength(text) > LIMITS.dataBytes) throw fail('tooLong');
  return text;
}

function options(value: unknown): Record<string, unknown> {
  if (absent(value)) return {};
  const parsed = objectFrom(value, true);
  if (!parsed || Buffer.byteLength(JSON.stringify(parsed)) > LIMITS.optionsBytes) throw fail('options');
  return parsed;
}

/** Checks a sendmessage body for `callerId`; throws the first ValidationError in the contract's order. */
export function parseSendMessage(raw: unknown, callerId: number): SendInput {
  const body = isPlainObject(raw) ? raw : {};
  const sendtoId = recipient(body);
  if (absent(body.chatType)) throw required('chatType');
  if (body.chatType !== 'single' && body.chatType !== 'group') throw fail('chatType');
  if (absent(body.type)) throw required('type');
  if (!(USER_MESSAGE_TYPES as readonly unknown[]).includes(body.type)) throw fail('type');
  const type = body.type as UserMessageType;
  const data = canonicalData(type, body.data);
  const parsedOptions = options(body.options);
  let clientMsgId: string | undefined;
  if (!absent(body.client_msg_id)) {
    if (typeof body.client_msg_id !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(body.client_msg_id)) throw fail('clientMsgId');
    clientMsgId = body.client_msg_id;
  }
  // A group's id may equal the caller's: only a single chat can be with oneself.
  if (body.chatType === 'single' && sendtoId === callerId) throw fail('self');
  return { sendtoId, chatType: body.chatType, type, data, options: parsedOptions, clientMsgId };
}
