// Redis Stream entry ids ("<ms>-<seq>"), the positions in a user's inbox. Compared as numbers:
// as strings "9-0" would sort after "10-0".

export const INBOX_START = '0-0';

const parse = (id: string): [ bigint, bigint ] => {
  const [ ms, seq = '0' ] = id.split('-');
  return [ BigInt(ms), BigInt(seq) ];
};

/** Negative, zero or positive as `a` is before, at or after `b`. */
export function compareEntryIds(a: string, b: string): number {
  const [ am, as ] = parse(a);
  const [ bm, bs ] = parse(b);
  if (am !== bm) return am < bm ? -1 : 1;
  if (as !== bs) return as < bs ? -1 : 1;
  return 0;
}

export const isEntryId = (value: unknown): value is string => typeof value === 'string' && /^\d{1,20}-\d{1,20}$/.test(value);
