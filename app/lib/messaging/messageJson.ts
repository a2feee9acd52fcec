// History's messages kept serialized per process (docs/performance.md "history: messages kept
// serialized"): each message's JSON, as `ctx.ok` would serialize messageObject(row), under its
// id with the digest of every column the object is built from (app/repository/messages.ts
// MESSAGE_DIGEST). The digest is read with the page on every request, so a revoke (or any other
// change of the row) is on the next answer: its object is built again. Once the cache holds
// MAX_BYTES of JSON, the oldest messages not read since go first (PageCache).
//
// Whether a conversation's next page is read as ids and digests (then the messages not kept by
// id) or as rows at once: by how much of its last page this process kept (`isWarm`).
import { PageCache } from '../friends/pageCache';
import { MessageRow, messageObject } from './messageView';

/** About 50,000 messages of 330 bytes (a text message of the bench) per process. */
export const MAX_BYTES = 16 * 1024 * 1024;

const kept = new PageCache(MAX_BYTES);

/** The JSON of the message `id` as built from a row with `digest`, or undefined. */
export const keptMessageJson = (id: string, digest: string): Buffer | undefined => kept.get(id, digest);

/** Conversations (their owners' keys) whose last page read here was mostly kept, at most MAX_OWNERS. */
const warm = new Map<string, boolean>();
const MAX_OWNERS = 100000;

/** Whether most of the last page of `owner` read here was kept (a conversation not read yet: no). */
export const isWarm = (owner: string): boolean => warm.get(owner) ?? false;

/** Notes that `kept` of a page's `count` messages of `owner` were kept. */
export function noteKept(owner: string, kept: number, count: number): void {
  if (warm.size >= MAX_OWNERS && !warm.has(owner)) warm.clear();
  warm.set(owner, kept * 2 >= count);
}

/** The JSON of messageObject(row), kept under the row's id and `digest` (the row's). */
export function messageJson(row: MessageRow, digest: string): Buffer {
  const json = Buffer.from(JSON.stringify(messageObject(row)));
  kept.set(String(row.id), digest, json);
  return json;
}
