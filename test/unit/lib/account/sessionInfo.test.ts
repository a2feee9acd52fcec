import { strict as assert } from 'node:assert';
import { DEVICE_MAX_LENGTH, parseSessionInfo, sessionInfoValue } from '../../../../app/lib/account/sessionInfo';

describe('app/lib/account/sessionInfo', () => {
  it('keeps the User-Agent and IP, control characters blanked, cut to DEVICE_MAX_LENGTH', () => {
    assert.deepEqual(parseSessionInfo(sessionInfoValue('  uni-app\r\nX-Injected: 1\u0000 ', '10.0.0.1')), { device: 'uni-app  X-Injected: 1', ip: '10.0.0.1' });
    assert.equal(parseSessionInfo(sessionInfoValue('a'.repeat(500), null)).device.length, DEVICE_MAX_LENGTH);
    assert.deepEqual(parseSessionInfo(sessionInfoValue(undefined, null)), { device: '', ip: null });
  });

  it('reads anything unreadable as unknown', () => {
    for (const value of [ undefined, '', 'not json', '[]', '{"device":5,"ip":{}}', 'null' ]) {
      assert.deepEqual(parseSessionInfo(value), { device: '', ip: null }, String(value));
    }
  });
});
