import { strict as assert } from 'node:assert';
import { dayOf, isStoredKey, keyOfVideoUrl, parseDiydir, screenshotKey, uploadKey } from '../../../../app/lib/files/keys';

describe('app/lib/files/keys', () => {
  it('parseDiydir: 1-4 segments of 1-32 letters or digits, never VideoScreenshot first', () => {
    assert.deepEqual(parseDiydir('chatImgs'), [ 'chatImgs' ]);
    assert.deepEqual(parseDiydir('a_b_c_d'), [ 'a', 'b', 'c', 'd' ]);
    assert.deepEqual(parseDiydir('x_VideoScreenshot'), [ 'x', 'VideoScreenshot' ]);
    for (const bad of [ '', 'a_b_c_d_e', '_a', 'a_', 'a__b', 'a/b', 'a\\b', '..', 'a.b', 'a\0b', 'é', 'x'.repeat(33), 'videoscreenshot_a', 5 ]) {
      assert.equal(parseDiydir(bad), undefined, String(bad));
    }
  });

  it('keys carry the local date, the time and 128 random bits, and match the served shapes', () => {
    const now = new Date('2026-11-28T17:00:00.000Z');
    assert.equal(dayOf(now, '+08:00'), '20261129');
    assert.equal(dayOf(now, '+00:00'), '20261128');
    const key = uploadKey([ 'Diy', 'a', 'b' ], 'png', now, '+08:00');
    assert.match(key, /^Diy\/a\/b\/20261129\/1795885200000_[0-9a-f]{32}\.png$/);
    assert.notEqual(uploadKey([ 'images' ], 'png', now, '+08:00'), uploadKey([ 'images' ], 'png', now, '+08:00'));
    assert.ok(isStoredKey(key));
    const shot = screenshotKey(key, 20, 260, 'png');
    assert.equal(shot, screenshotKey(key, 20, 260, 'png'));
    assert.notEqual(shot, screenshotKey(key, 0, 260, 'png'));
    assert.ok(isStoredKey(shot));
    for (const bad of [ `${key}/`, `/${key}`, key.replace('png', 'html'), key.replace('Diy/a', 'Diy/VideoScreenshot'), 'images/../x', '.tmp/x.part' ]) {
      assert.equal(isStoredKey(bad), false, bad);
    }
  });

  it('keyOfVideoUrl: the path under /public/uploads/ (any host) or the S3 base URL, never a screenshot', () => {
    const key = 'Diy/v/20261129/1795885200000_0123456789abcdef0123456789abcdef.mp4';
    assert.equal(keyOfVideoUrl(`/public/uploads/${key}`, ''), key);
    assert.equal(keyOfVideoUrl(`http://h:7001/public/uploads/${key}?x=1`, ''), key);
    assert.equal(keyOfVideoUrl(`https://s3.example.com/b/${key}`, 'https://s3.example.com/b'), key);
    for (const bad of [ `/public/uploads/${key.replace(/\//g, '%2F')}`, `/public/uploads/x/../${key}`, `/other/${key}`, 'file:///etc/passwd', '%' ]) {
      assert.equal(keyOfVideoUrl(bad, ''), undefined, bad);
    }
    assert.equal(keyOfVideoUrl(`/public/uploads/${screenshotKey(key, 0, 1, 'png')}`, ''), undefined);
  });
});
