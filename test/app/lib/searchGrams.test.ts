import { strict as assert } from 'node:assert';
import { gramLookup, grams } from '../../../app/lib/searchGrams';

describe('app/lib/searchGrams', () => {
  it('splits text into grams of code points, one per position', () => {
    assert.deepEqual(grams('abcd', 3), [ 'abc', 'bcd' ]);
    assert.deepEqual(grams('abcd', 1), [ 'a', 'b', 'c', 'd' ]);
    assert.deepEqual(grams('ab', 3), []);
    assert.deepEqual(grams('a😀b', 2), [ 'a😀', '😀b' ]);
  });

  it('looks a keyword of up to 3 characters up as one gram, as typed', () => {
    assert.deepEqual(gramLookup('a'), { prefix: 'a', anywhere: [ 'a' ] });
    assert.deepEqual(gramLookup('Ab%'), { prefix: 'Ab%', anywhere: [ 'Ab%' ] });
    assert.deepEqual(gramLookup('😀😀😀'), { prefix: '😀😀😀', anywhere: [ '😀😀😀' ] });
  });

  it('covers a longer keyword with trigrams every 3 characters and the last one', () => {
    assert.deepEqual(gramLookup('abcd'), { prefix: 'abc', anywhere: [ 'abc', 'bcd' ] });
    assert.deepEqual(gramLookup('abcdef'), { prefix: 'abc', anywhere: [ 'abc', 'def' ] });
    assert.deepEqual(gramLookup('abcdefg'), { prefix: 'abc', anywhere: [ 'abc', 'def', 'efg' ] });
    assert.deepEqual(gramLookup('aaaaaa'), { prefix: 'aaa', anywhere: [ 'aaa' ] });
  });

  it('joins at most 4 grams, keeping the first and the last', () => {
    const lookup = gramLookup('abcdefghijklmnopqrst')!;
    assert.deepEqual(lookup.anywhere, [ 'abc', 'def', 'ghi', 'rst' ]);
  });

  it('answers null for keywords no username can contain', () => {
    assert.equal(gramLookup(''), null);
    assert.equal(gramLookup('a'.repeat(21)), null);
    assert.notEqual(gramLookup('a'.repeat(20)), null);
    assert.notEqual(gramLookup('😀'.repeat(20)), null);
  });
});
