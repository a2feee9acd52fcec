import { strict as assert } from 'node:assert';
import { preferredVisitorName, randomVisitorName } from '../../../../app/lib/visitors/names';
import { checkDeviceId, checkTimestamp, statsOf } from '../../../../app/lib/visitors/rules';
import { SIGN_WINDOW_MS, isFresh, signMatches, signedText, visitorSign } from '../../../../app/lib/visitors/sign';

const SALT = '45ncashdaksh2!#@3nxjdas*_259';

describe('app/lib/visitors', () => {
  describe('sign', () => {
    it('hashes deviceId={d}&salt={salt}&timestamp={t}APP_SECRET with SHA-256 (vector from openssl)', () => {
      const deviceId = '8d1a344c-bf16-5425-adbc-d12f49cfa332';
      assert.equal(signedText(deviceId, '1752835449008', SALT),
        'deviceId=8d1a344c-bf16-5425-adbc-d12f49cfa332&salt=45ncashdaksh2!#@3nxjdas*_259&timestamp=1752835449008APP_SECRET');
      // printf '%s' '<the text above>' | openssl dgst -sha256
      assert.equal(visitorSign(deviceId, '1752835449008', SALT), 'a5b40139b65b13cf214d05c27dece58ebe840d888b12272f0ccd15ea72e68998');
    });

    it('compares whole signatures, in either letter case', () => {
      const sign = 'a5b40139b65b13cf214d05c27dece58ebe840d888b12272f0ccd15ea72e68998';
      assert.equal(signMatches(sign, sign), true);
      assert.equal(signMatches(sign.toUpperCase(), sign), true);
      for (const wrong of [ '', sign.slice(1), `${sign}0`, `${sign.slice(0, 63)}9`, ` ${sign.slice(1)}`, '😀'.repeat(16) ]) {
        assert.equal(signMatches(wrong, sign), false, wrong);
      }
    });

    it('accepts request times up to 300 s away, either way', () => {
      const now = 1_800_000_000_000;
      for (const t of [ now, now - SIGN_WINDOW_MS, now + SIGN_WINDOW_MS ]) assert.equal(isFresh(t, now), true);
      for (const t of [ now - SIGN_WINDOW_MS - 1, now + SIGN_WINDOW_MS + 1, 0 ]) assert.equal(isFresh(t, now), false);
    });
  });

  describe('names', () => {
    it('VIS + the first 8 letters or digits of the device id', () => {
      assert.equal(preferredVisitorName('8d1a344c-bf16-5425-adbc-d12f49cfa332'), 'VIS8d1a344c');
      assert.equal(preferredVisitorName('fallback-1234-ABCD-5678'), 'VISfallback');
      assert.equal(preferredVisitorName('__ab-cd_ef-gh__ij'), 'VISabcdefgh');
      assert.equal(preferredVisitorName(`${'-'.repeat(30)}abcdefg`), undefined);
    });

    it('the fallback is VIS + 12 random hex digits, a valid username', () => {
      const names = new Set(Array.from({ length: 50 }, randomVisitorName));
      assert.equal(names.size, 50);
      for (const name of names) assert.match(name, /^VIS[0-9a-f]{12}$/);
    });
  });

  describe('rules', () => {
    it('deviceId: 36-64 of A-Z a-z 0-9 _ -', () => {
      for (const ok of [ 'a'.repeat(36), 'Z'.repeat(64), '8d1a344c-bf16-5425-adbc-d12f49cfa332', `fallback-${'a1'.repeat(18)}`, '_-'.repeat(18) ]) {
        assert.equal(checkDeviceId({}, ok), undefined, ok);
      }
      for (const bad of [ '', 'a'.repeat(35), 'a'.repeat(65), `${'a'.repeat(35)}.`, `${'a'.repeat(36)}\n`, `${'a'.repeat(35)}é`, 1, null, [ 'a'.repeat(36) ]]) {
        assert.equal(checkDeviceId({}, bad), 'visitors.invalidDevice', String(bad));
      }
    });

    it('timestamp: a JSON integer or its decimal text, no sign, fraction or leading zero', () => {
      for (const ok of [ 0, '0', 1752835449008, '1752835449008', Number.MAX_SAFE_INTEGER ]) assert.equal(checkTimestamp({}, ok), undefined, String(ok));
      for (const bad of [ '', '-1', -1, 1.5, '1.5', '01', ' 1', '1 ', '1e3', 1e21, '9007199254740993', true, null, [ 1 ]]) {
        assert.equal(checkTimestamp({}, bad), 'visitors.timestampFormat', String(bad));
      }
    });

    it('statsOf keeps the fields that were sent, cut to 50 characters', () => {
      assert.deepEqual(statsOf({}), {});
      assert.deepEqual(statsOf({ uniplatform: 'app', devicemodel: 'm'.repeat(51), deviceos: '😀'.repeat(51) }),
        { uniplatform: 'app', devicemodel: 'm'.repeat(50), deviceos: '😀'.repeat(50) });
    });
  });
});
