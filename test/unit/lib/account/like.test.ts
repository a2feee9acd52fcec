import { strict as assert } from 'node:assert';
import { escapeLike } from '../../../../app/lib/account/like';

describe('app/lib/like', () => {
  it('escapes %, _ and \\ with a backslash', () => {
    assert.equal(escapeLike('%'), '\\%');
    assert.equal(escapeLike('_'), '\\_');
    assert.equal(escapeLike('\\'), '\\\\');
    assert.equal(escapeLike('a%b_c\\d'), 'a\\%b\\_c\\\\d');
    assert.equal(escapeLike('%%__\\\\'), '\\%\\%\\_\\_\\\\\\\\');
    assert.equal(escapeLike('\\%'), '\\\\\\%');
  });

  it('leaves everything else alone', () => {
    for (const text of [ '', 'abc', 'ABC', '\'"; --', '*?[]^$.', '用户😀' ]) assert.equal(escapeLike(text), text);
  });
});
