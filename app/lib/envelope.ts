// CONTRACT: the envelope of a success, as bytes (app/extend/context.ts `ok` sends the same from an object).

/** The bytes `ctx.ok(data)` sends, for answers kept serialized (goodfriendlist's pages): `dataJson` is JSON.stringify(data). */
export const okBody = (dataJson: string): Buffer => Buffer.from(`{"msg":"ok","data":${dataJson}}`);
