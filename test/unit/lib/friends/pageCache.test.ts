import { strict as assert } from 'node:assert';
import { PageCache } from '../../../../app/lib/friends/pageCache';

const bytes = (n: number) => Buffer.alloc(n, 'x');

describe('app/lib/friends/pageCache', () => {
  it('answers a page only under the version it was stored with', () => {
    const cache = new PageCache(100);
    cache.set('a', 'v1', bytes(10));
    assert.equal(cache.get('a', 'v1')?.length, 10);
    assert.equal(cache.get('a', 'v2'), undefined);
    cache.set('a', 'v2', bytes(20));
    assert.equal(cache.get('a', 'v1'), undefined);
    assert.equal(cache.get('a', 'v2')?.length, 20);
  });

  it('over its bytes: drops the oldest pages not read since, gives read ones a second chance, never the page just stored', () => {
    const cache = new PageCache(30);
    for (const key of [ 'a', 'b', 'c' ]) cache.set(key, 'v', bytes(10));
    cache.get('a', 'v');
    cache.set('d', 'v', bytes(10)); // over by 10: a was read (moved to the end), b goes
    assert.deepEqual([ 'a', 'b', 'c', 'd' ].map(key => cache.get(key, 'v') !== undefined), [ true, false, true, true ]);
    cache.set('e', 'v', bytes(30)); // everything else goes, read or not
    assert.deepEqual([ 'a', 'c', 'd', 'e' ].map(key => cache.get(key, 'v') !== undefined), [ false, false, false, true ]);
    cache.set('f', 'v', bytes(31)); // larger than the cache: not kept, nothing dropped for it
    assert.deepEqual([ cache.get('e', 'v') !== undefined, cache.get('f', 'v') ], [ true, undefined ]);
  });
});
