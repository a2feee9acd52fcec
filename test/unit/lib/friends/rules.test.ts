import { strict as assert } from 'node:assert';
import {
  checkFieldname, checkInviteConfirm, checkProfileAvatar, checkProfileNickname, checkUserset, checkUuid,
} from '../../../../app/lib/friends/rules';

type Checker = (rule: unknown, value: unknown) => string | undefined;
const check = (checker: Checker, value: unknown, rule: object = {}) => checker(rule, value);

describe('app/lib/friends/rules', () => {
  it('uuid: 8-4-4-4-12 hex digits, any case', () => {
    for (const ok of [ '77518bad-ef94-438b-87bc-914838394feb', '77518BAD-EF94-438B-87BC-914838394FEB', '00000000-0000-0000-0000-000000000000' ]) {
      assert.equal(check(checkUuid, ok), undefined, ok);
    }
    for (const bad of [ '', 'abc', '77518bad-ef94-438b-87bc-914838394fe', '77518bad-ef94-438b-87bc-914838394feb0', '77518badef94438b87bc914838394feb',
      '77518bad-ef94-438b-87bc-914838394feg', ' 77518bad-ef94-438b-87bc-914838394feb', 1, null, [ '77518bad-ef94-438b-87bc-914838394feb' ]]) {
      assert.equal(check(checkUuid, bad), 'friends.format', String(bad));
    }
  });

  it('userset: a 2-1000 character text, control characters refused except line breaks, which fail the format', () => {
    const rule = { min: 2, max: 1000 };
    assert.equal(check(checkUserset, '{"chatset":{"visitor":0,"user":1}}', rule), undefined);
    assert.equal(check(checkUserset, 5, rule), 'validation.notString');
    assert.equal(check(checkUserset, '{', rule), 'validation.length');
    assert.equal(check(checkUserset, '{"chatset":\t{"visitor":0,"user":1}}', rule), 'validation.controlChars');
    assert.equal(check(checkUserset, '{"chatset":\n{"visitor":0,"user":1}}', rule), 'friends.format');
    assert.equal(check(checkUserset, '{"chatset":{"visitor":0,"user":3}}', rule), 'friends.format');
  });

  it('fieldname: exactly nickname, avatar or invite_confirm; username has its own reason', () => {
    for (const ok of [ 'nickname', 'avatar', 'invite_confirm' ]) assert.equal(check(checkFieldname, ok), undefined);
    assert.equal(check(checkFieldname, 'username'), 'friends.usernameImmutable');
    for (const bad of [ 'Nickname', ' avatar', 'password', 'userset', 1, [ 'nickname' ], null ]) {
      assert.equal(check(checkFieldname, bad), 'friends.fieldnameChoice', String(bad));
    }
  });

  it('profile nickname: a string of at most 30 characters without control characters', () => {
    for (const ok of [ 'a', 'x'.repeat(30), '😀'.repeat(30), '小明 Ming' ]) assert.equal(check(checkProfileNickname, ok), undefined, ok);
    assert.equal(check(checkProfileNickname, 'x'.repeat(31)), 'friends.nicknameTooLong');
    assert.equal(check(checkProfileNickname, '😀'.repeat(31)), 'friends.nicknameTooLong');
    assert.equal(check(checkProfileNickname, 'a\u001fb'), 'validation.controlChars');
    assert.equal(check(checkProfileNickname, 3), 'validation.notString');
  });

  it('avatar: an http(s) URL with a host or a path with one leading slash, at most 1000 characters', () => {
    for (const ok of [ 'http://a', 'https://cdn.example.com/x.png?v=1#f', 'HTTPS://A.COM', 'https://[::1]:8080/a', '/', '/a/b.png' ]) {
      assert.equal(check(checkProfileAvatar, ok), undefined, ok);
    }
    for (const bad of [ 'ftp://a.com', 'https://', 'https:///x', '//a.com/x', 'a.png', `javascript${':'}x`, 'https://a b.com', '/a b', 'data:x' ]) {
      assert.equal(check(checkProfileAvatar, bad), 'friends.format', bad);
    }
    assert.equal(check(checkProfileAvatar, `/${'a'.repeat(999)}`), undefined);
    assert.equal(check(checkProfileAvatar, `/${'a'.repeat(1000)}`), 'friends.avatarTooLong');
    assert.equal(check(checkProfileAvatar, '/a\u007f'), 'validation.controlChars');
  });

  it('invite_confirm: 0 or 1, as a number or a string', () => {
    for (const ok of [ 0, 1, '0', '1' ]) assert.equal(check(checkInviteConfirm, ok), undefined, String(ok));
    for (const bad of [ 2, -1, '2', ' 1', '01', true, false, [ 1 ], 0.5 ]) assert.equal(check(checkInviteConfirm, bad), 'friends.inviteConfirmValue', String(bad));
  });
});
