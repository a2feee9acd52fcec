import { strict as assert } from 'node:assert';
import { gramLookup, grams } from '../../../../app/lib/account/searchGrams';

describe('app/lib/searchGrams', () => {
  it('splits text into grams of code points, one per position', () => {
    assert.deepEqual(grams('abcd', 3), [ 'abc', 'bcd' ]);
    assert.deepEqual(grams('abcd', 1), [ 'a', 'b', 'c', 'd' ]);
    assert.deepEqual(grams('ab', 3), []);
    assert.deepEqual(grams('a😀b', 2), [ 'a😀', '😀b' ]);
  });

  it('looks a keyword of up to 4 characters up as one gram, as typed', () => {
    assert.deepEqual(gramLookup('a'), { prefix: 'a', anywhere: [ 'a' ] });
    assert.deepEqual(gramLookup('Ab%'), { prefix: 'Ab%', anywhere: [ 'Ab%' ] });
    assert.deepEqual(gramLookup('Ab%d'), { prefix: 'Ab%d', anywhere: [ 'Ab%d' ] });
    assert.deepEqual(gramLookup('😀😀😀😀'), { prefix: '😀😀😀😀', anywhere: [ '😀😀😀😀' ] });
  });

  it('covers a longer keyword with 4-grams every 4 characters and the last one', () => {
    assert.deepEqual(gramLookup('abcde'), { prefix: 'abcd', anywhere: [ 'abcd', 'bcde' ] });
    assert.deepEqual(gramLookup('abcdefgh'), { prefix: 'abcd', anywhere: [ 'abcd', 'efgh' ] });
    assert.deepEqual(gramLookup('abcdefghi'), { prefix: 'abcd', anywhere: [ 'abcd', 'efgh', 'fghi' ] });
    assert.deepEqual(gramLookup('sun_zhou6235'), { prefix: 'sun_', anywhere: [ 'sun_', 'zhou', '6235' ] });
    assert.deepEqual(gramLookup('aaaaaaaa'), { prefix: 'aaaa', anywhere: [ 'aaaa' ] });
  });

  it('joins at most 4 grams, keeping the first and the last', () => {
    const lookup = gramLookup('abcdefghijklmnopqrst')!;
    assert.deepEqual(lookup.anywhere, [ 'abcd', 'efgh', 'ijkl', 'qrst' ]);
  });

  it('answers null for keywords no username can contain', () => {
    assert.equal(gramLookup(''), null);
    assert.equal(gramLookup('a'.repeat(21)), null);
    assert.notEqual(gramLookup('a'.repeat(20)), null);
    assert.notEqual(gramLookup('😀'.repeat(20)), null);
  });
});
