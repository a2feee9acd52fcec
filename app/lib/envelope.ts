// CONTRACT: the envelope of a success, as bytes (app/extend/context.ts `ok` sends the same from an object).

/** The bytes `ctx.ok(data)` sends, for answers kept serialized (goodfriendlist's pages): `dataJson` is JSON.stringify(data). */
export const okBody = (dataJson: string): Buffer => Buffer.from(`{"msg":"ok","data":${dataJson}}`);

const LIST_HEAD = Buffer.from('{"msg":"ok","data":[');
const COMMA = Buffer.from(',');
const LIST_TAIL = Buffer.from(']}');

/** okBody(JSON.stringify(list)) for a list whose items are kept serialized: `items` are their JSON, in order. */
export function okListBody(items: Buffer[]): Buffer {
  const parts: Buffer[] = [ LIST_HEAD ];
  for (const item of items) {
    if (parts.length > 1) parts.push(COMMA);
    parts.push(item);
  }
  parts.push(LIST_TAIL);
  return Buffer.concat(parts);
}
