import { strict as assert } from 'node:assert';
import { checkKeyword, checkLimit, checkPassword, checkUsername } from '../../../app/lib/rules';

// Checkers answer the key of their reason; the texts are config/locale/*.json's.
const NOT_STRING = 'validation.notString';
const check = (checker: typeof checkUsername, value: unknown) => checker({}, value);

describe('app/lib/rules', () => {
  it('username: 4-20 letters, digits and underscore', () => {
    for (const ok of [ 'abcd', 'A_1z', 'a'.repeat(20), '____', '0000', 'My_Name_01' ]) assert.equal(check(checkUsername, ok), undefined, ok);
    for (const short of [ '', 'abc', 'a'.repeat(21) ]) assert.equal(check(checkUsername, short), 'validation.length', short);
    for (const bad of [ 'ab-c', 'ab c', 'abcd\n', 'ab.cd', 'ábcd', '用户名字', 'abc😀', 'ab%c', 'ab\\c', 'ａｂｃｄ' ]) {
      assert.equal(check(checkUsername, bad), 'validation.usernameCharset', bad);
    }
    for (const value of [ 1234, true, [ 'abcd' ], { a: 'abcd' }, null ]) assert.equal(check(checkUsername, value), NOT_STRING);
  });

  it('password: 6-20 characters of any kind, counted as characters', () => {
    for (const ok of [ '123456', 'p'.repeat(20), '😀'.repeat(6), '😀'.repeat(20), '密码密码密码', '      ', 'a b\n"\'%_' ]) {
      assert.equal(check(checkPassword, ok), undefined, ok);
    }
    for (const bad of [ '', '12345', 'p'.repeat(21), '😀'.repeat(5), '😀'.repeat(21) ]) {
      assert.equal(check(checkPassword, bad), 'validation.length', bad);
    }
    for (const value of [ 123456, [ '123456' ], { p: '123456' }]) assert.equal(check(checkPassword, value), NOT_STRING);
  });

  it('keyword: 1-50 characters', () => {
    for (const ok of [ 'a', 'k'.repeat(50), '😀'.repeat(50), '%', '_', '\\' ]) assert.equal(check(checkKeyword, ok), undefined, ok);
    for (const bad of [ '', 'k'.repeat(51), '😀'.repeat(51) ]) assert.equal(check(checkKeyword, bad), 'validation.length');
    for (const value of [ 1, [ 'a' ], { a: 1 }]) assert.equal(check(checkKeyword, value), NOT_STRING);
  });

  it('limit: an integer 1-50, as a string or a number', () => {
    for (const ok of [ 1, 20, 50, '1', '20', '50', '05' ]) assert.equal(check(checkLimit, ok), undefined, String(ok));
    for (const bad of [ 0, 51, -1, 1.5, NaN, Infinity, '0', '51', '100', '-1', '1.5', '', ' 5', '5 ', 'abc', '1e1', true, [ 5 ], { n: 5 }]) {
      assert.equal(check(checkLimit, bad), 'validation.integerRange', JSON.stringify(bad));
    }
  });
});
