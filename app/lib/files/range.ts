// CONTRACT (files, serving): `Range` for stored files (iOS plays video only through ranges).

export type RangeAnswer =
  | { status: 200 }
  | { status: 206; start: number; end: number }
  | { status: 416 };

/**
 * What a `Range` header asks of a file of `size` bytes (size > 0), by RFC 9110 section 14:
 * - absent, another unit, bad syntax (`bytes=5-2`, `bytes=x`): ignored, the whole file (200);
 * - several ranges (`bytes=0-1,4-5`): the whole file (200), which the RFC allows; no
 *   multipart/byteranges answers;
 * - `a-b`, `a-` (b past the end is cut to the end) and `-n` (the last n bytes; n >= size is the
 *   whole file): 206;
 * - a start at or past the end, or `-0`: 416.
 */
export function parseRange(header: string | undefined, size: number): RangeAnswer {
  const match = /^bytes=(.*)$/i.exec((header ?? '').trim());
  if (!match || match[1].includes(',')) return { status: 200 };
  const spec = /^\s*(\d*)-(\d*)\s*$/.exec(match[1]);
  if (!spec || (spec[1] === '' && spec[2] === '')) return { status: 200 };
  if (spec[1] === '') {
    const suffix = Number(spec[2]);
    if (suffix === 0) return { status: 416 };
    return { status: 206, start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(spec[1]);
  const last = spec[2] === '' ? Infinity : Number(spec[2]);
  if (last < start) return { status: 200 };
  if (start >= size) return { status: 416 };
  return { status: 206, start, end: Math.min(last, size - 1) };
}
