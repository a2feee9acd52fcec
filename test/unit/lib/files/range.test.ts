import { strict as assert } from 'node:assert';
import { parseRange } from '../../../../app/lib/files/range';

describe('app/lib/files/range', () => {
  it('reads one byte range the way RFC 9110 does', () => {
    const size = 10;
    assert.deepEqual(parseRange(undefined, size), { status: 200 });
    assert.deepEqual(parseRange('bytes=0-4', size), { status: 206, start: 0, end: 4 });
    assert.deepEqual(parseRange('bytes=5-', size), { status: 206, start: 5, end: 9 });
    assert.deepEqual(parseRange('bytes=8-100', size), { status: 206, start: 8, end: 9 });
    assert.deepEqual(parseRange('bytes=-3', size), { status: 206, start: 7, end: 9 });
    assert.deepEqual(parseRange('bytes=-30', size), { status: 206, start: 0, end: 9 });
    assert.deepEqual(parseRange('bytes=10-', size), { status: 416 });
    assert.deepEqual(parseRange('bytes=-0', size), { status: 416 });
    for (const ignored of [ 'bytes=3-2', 'bytes=0-1,3-4', 'bytes=', 'bytes=-', 'bytes=a-b', 'pages=1-2', 'bytes=+1-2' ]) {
      assert.deepEqual(parseRange(ignored, size), { status: 200 }, ignored);
    }
  });
});
