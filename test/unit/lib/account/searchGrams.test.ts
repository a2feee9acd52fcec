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

  it('looks a longer keyword up by each of its distinct 4-grams', () => {
    assert.deepEqual(gramLookup('abcde'), { prefix: 'abcd', anywhere: [ 'abcd', 'bcde' ] });
    assert.deepEqual(gramLookup('abcdefg'), { prefix: 'abcd', anywhere: [ 'abcd', 'bcde', 'cdef', 'defg' ] });
    assert.deepEqual(gramLookup('sun_zhou'), { prefix: 'sun_', anywhere: [ 'sun_', 'un_z', 'n_zh', '_zho', 'zhou' ] });
    assert.deepEqual(gramLookup('aaaaaaaa'), { prefix: 'aaaa', anywhere: [ 'aaaa' ] });
  });

  it('offers every gram of a long keyword (the plan picks the rarest)', () => {
    const lookup = gramLookup('abcdefghijklmnopqrst')!;
    assert.equal(lookup.anywhere.length, 17);
    assert.equal(lookup.anywhere[16], 'qrst');
  });

  it('answers null for keywords no username can contain', () => {
    assert.equal(gramLookup(''), null);
    assert.equal(gramLookup('a'.repeat(21)), null);
    assert.notEqual(gramLookup('a'.repeat(20)), null);
    assert.notEqual(gramLookup('😀'.repeat(20)), null);
  });
});
