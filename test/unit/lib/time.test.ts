import { strict as assert } from 'node:assert';
import { formatLocal, isoOrNull, parseOffset, sqlTime } from '../../../app/lib/time';

const INSTANT = new Date('2025-07-13T03:46:05.987Z');

describe('app/lib/time', () => {
  it('parseOffset reads ±HH:MM as minutes east of UTC', () => {
    assert.equal(parseOffset('+08:00'), 480);
    assert.equal(parseOffset('-05:30'), -330);
    assert.equal(parseOffset('+05:45'), 345);
    assert.equal(parseOffset('+00:00'), 0);
    assert.ok(parseOffset('-00:00') === 0);
    for (const bad of [ '', '8', '+8:00', '08:00', '+0800', 'UTC', 'Asia/Shanghai', '+08:00 ', '+08:0' ]) {
      assert.throws(() => parseOffset(bad), /Time zone offset must look like \+08:00/, bad);
    }
  });

  it('formatLocal shows the instant as a clock at the offset does, seconds truncated', () => {
    assert.equal(formatLocal(INSTANT, '+08:00'), '2025-07-13 11:46:05');
    assert.equal(formatLocal(INSTANT, '+00:00'), '2025-07-13 03:46:05');
    assert.equal(formatLocal(INSTANT, '-05:30'), '2025-07-12 22:16:05');
    assert.equal(formatLocal(INSTANT, '+05:45'), '2025-07-13 09:31:05');
  });

  it('formatLocal crosses day, month, year and leap-day boundaries', () => {
    assert.equal(formatLocal(new Date('2025-12-31T16:00:00.000Z'), '+08:00'), '2026-01-01 00:00:00');
    assert.equal(formatLocal(new Date('2026-01-01T02:00:00.000Z'), '-05:30'), '2025-12-31 20:30:00');
    assert.equal(formatLocal(new Date('2024-02-28T20:00:00.000Z'), '+08:00'), '2024-02-29 04:00:00');
    assert.equal(formatLocal(new Date('2024-03-01T01:00:00.000Z'), '-05:00'), '2024-02-29 20:00:00');
  });

  it('formatLocal does not depend on the process time zone', () => {
    // Date#getUTC* only: the result is the same whatever TZ the server runs in.
    const saved = process.env.TZ;
    try {
      process.env.TZ = 'America/New_York';
      assert.equal(formatLocal(INSTANT, '+08:00'), '2025-07-13 11:46:05');
    } finally {
      if (saved === undefined) delete process.env.TZ;
      else process.env.TZ = saved;
    }
  });

  it('isoOrNull gives ISO-8601 UTC with milliseconds, or null', () => {
    assert.equal(isoOrNull(INSTANT), '2025-07-13T03:46:05.987Z');
    assert.equal(isoOrNull(null), null);
  });
  it('sqlTime writes an instant as a DATETIME(3) in UTC with its milliseconds', () => {
    assert.equal(sqlTime(INSTANT), '2025-07-13 03:46:05.987');
    assert.match(sqlTime(), /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3}$/);
  });
});
