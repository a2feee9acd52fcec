import { strict as assert } from 'node:assert';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { app, mock } from 'egg-mock/bootstrap';
import { imageSize } from 'image-size';
import { AUTH_FAILURES, assertFail, assertOk, post } from '../../helpers';
import { encodedMedia, png } from './media';
import { DRIVERS, callers, chatFiles, emptyStorage, readBack, storedKeys, tempFiles, uploadDiy, useDriver } from './support';

const ROUTE = '/api/chat/getVideoScreenshot';
const NOT_OURS = 'videoUrl 必须是本站上传的视频地址';

const shoot = (token: string | undefined, body: object) => {
  const req = post(ROUTE);
  if (token) req.set('token', token);
  return req.send(body);
};

function decodeBase64(base64: string, mime: string) {
  const prefix = `data:${mime};base64,`;
  assert.ok(base64.startsWith(prefix), base64.slice(0, 40));
  return Buffer.from(base64.slice(prefix.length), 'base64');
}

for (const driver of DRIVERS) {
  describe(`POST /api/chat/getVideoScreenshot with the ${driver} driver`, () => {
    let videoUrl: string;
    let token: string;
    let visitorToken: string;

    beforeEach(async () => {
      await emptyStorage();
      await useDriver(driver);
      ({ userToken: token, visitorToken } = await callers());
      videoUrl = assertOk(await uploadDiy(token, (await encodedMedia()).mp4, 'chatVideo')).url;
    });

    it('answers {base64, url, format, time, width} with the defaults (png, 20 ms, 260 px) and stores the frame', async () => {
      const data = assertOk(await shoot(token, { videoUrl }));
      assert.deepEqual(Object.keys(data), [ 'base64', 'url', 'format', 'time', 'width' ]);
      assert.deepEqual({ format: data.format, time: data.time, width: data.width }, { format: 'png', time: 20, width: 260 });
      const bytes = decodeBase64(data.base64, 'image/png');
      assert.deepEqual(imageSize(bytes), { width: 260, height: 196, type: 'png' });
      const key = (await storedKeys(driver)).find(k => k.startsWith('Diy/VideoScreenshot/'))!;
      assert.match(key, /^Diy\/VideoScreenshot\/screenshot_[0-9a-f]{32}\.png$/);
      assert.ok(data.url.endsWith(key));
      assert.deepEqual((await readBack(driver, data.url)).bytes, bytes);
      const row = (await chatFiles()).find(r => r.kind === 'screenshot')!;
      assert.deepEqual([ row.storage_key, row.mime, row.width, row.height ], [ key, 'image/png', 260, 196 ]);
      assert.deepEqual(await tempFiles(), []);
    });

    it('jpg, a width, a time; form or JSON; the host of the URL is ignored; repeats reuse the file', async () => {
      const body = { videoUrl: driver === 'local' ? `https://cdn.example.com:8443${videoUrl}` : videoUrl, time: '500', width: '64', format: 'jpg' };
      const first = assertOk(await post(ROUTE).set('token', token).type('form').send(body));
      assert.deepEqual([ first.format, first.time, first.width ], [ 'jpg', 500, 64 ]);
      assert.deepEqual(imageSize(decodeBase64(first.base64, 'image/jpeg')), { width: 64, height: 48, type: 'jpg' });
      const again = assertOk(await shoot(token, { ...body, time: 500, width: 64 }));
      assert.deepEqual(again, first);
      assert.equal((await storedKeys(driver)).filter(k => k.includes('VideoScreenshot')).length, 1);
      const other = assertOk(await shoot(token, { videoUrl, time: 0, width: 64, format: 'jpg' }));
      assert.notEqual(other.url, first.url);
    });

    it('no frame at `time`: retries at 0 and answers time 0', async () => {
      const data = assertOk(await shoot(token, { videoUrl, time: 3600000 }));
      assert.equal(data.time, 0);
      const again = assertOk(await shoot(token, { videoUrl, time: 3600000 }));
      assert.equal(again.url, data.url);
      assert.equal(assertOk(await shoot(token, { videoUrl, time: 0 })).url, data.url);
    });

    it('422 when no frame can be taken at all', async () => {
      // An MP4 header with nothing playable behind it: stored as a video, but ffmpeg finds no frame.
      const fake = Buffer.concat([ Buffer.from('000000186674797069736f6d0000020069736f6d69736f32', 'hex'), Buffer.alloc(2000) ]);
      const url = assertOk(await uploadDiy(token, fake)).url;
      assertFail(await shoot(token, { videoUrl: url }), 422, '无法从该视频截图');
      assert.deepEqual((await storedKeys(driver)).filter(k => k.includes('VideoScreenshot')), []);
      assert.deepEqual(await tempFiles(), []);
    });

    it('422 for the fields, in the order videoUrl, time, width, format', async () => {
      const cases: Array<[ object, string ]> = [
        [{}, 'videoUrl 不能为空' ],
        [{ videoUrl: '' }, 'videoUrl 不能为空' ],
        [{ videoUrl: null, time: -1 }, 'videoUrl 不能为空' ],
        [{ videoUrl: 5 }, 'videoUrl 必须是字符串' ],
        [{ videoUrl, time: -1 }, 'time 应为 0-3600000 之间的整数' ],
        [{ videoUrl, time: 3600001 }, 'time 应为 0-3600000 之间的整数' ],
        [{ videoUrl, time: 1.5 }, 'time 应为 0-3600000 之间的整数' ],
        [{ videoUrl, width: 0 }, 'width 应为 1-3840 之间的整数' ],
        [{ videoUrl, width: 3841, format: 'gif' }, 'width 应为 1-3840 之间的整数' ],
        [{ videoUrl, format: 'gif' }, 'format 只能是 png 或 jpg' ],
        [{ videoUrl, format: 'PNG' }, 'format 只能是 png 或 jpg' ],
        [{ videoUrl, format: '../../x.png' }, 'format 只能是 png 或 jpg' ],
      ];
      for (const [ body, text ] of cases) assertFail(await shoot(token, body), 422, text);
    });

    it('422 unless the URL names a video stored here: no fetching, no other files, no traversal', async () => {
      const image = assertOk(await uploadDiy(token, png())).url;
      const shot = assertOk(await shoot(token, { videoUrl })).url;
      const missingKey = videoUrl.replace(/_[0-9a-f]{32}\./, `_${'0'.repeat(32)}.`);
      for (const wrong of [
        'http://169.254.169.254/latest/meta-data', 'file:///etc/passwd', '/etc/passwd', 'concat:/etc/passwd',
        '/public/uploads/../../package.json', `${videoUrl}/../x.mp4`, videoUrl.replace(/\//g, '%2F'), image, shot,
        // eslint-disable-next-line no-script-url
        missingKey, 'javascript:alert(1)',
        'x'.repeat(2000),
      ]) {
        assertFail(await shoot(token, { videoUrl: wrong }), 422, NOT_OURS);
      }
    });

    it('404 when the video row is there but its file is gone', async () => {
      const key = (await chatFiles()).find(r => r.kind === 'video')!.storage_key;
      const { storageFor } = await import('../../../app/lib/files/storage');
      await storageFor(app.config.im.files).remove(key);
      assertFail(await shoot(token, { videoUrl }), 404, '视频不存在');
    });

    it('is open to visitors', async () => {
      assertOk(await shoot(visitorToken, { videoUrl }));
    });

    it('503 without ffmpeg (after the 422 and 404 checks); the try is not counted', async () => {
      mock(app.config.im.files.ffmpeg, 'path', '/nonexistent/ffmpeg');
      mock(app.config.im.files.quota, 'screenshotsPerHour', 1);
      assertFail(await shoot(token, { videoUrl: 'http://example.com/x.mp4' }), 422, NOT_OURS);
      assertFail(await shoot(token, { videoUrl }), 503, '视频截图服务不可用');
      assertFail(await shoot(token, { videoUrl }), 503, '视频截图服务不可用');
      mock(app.config.im.files.ffmpeg, 'path', 'ffmpeg');
      assertOk(await shoot(token, { videoUrl }));
    });

    it('60 an hour per user, then 429', async () => {
      mock(app.config.im.files.quota, 'screenshotsPerHour', 2);
      assertOk(await shoot(token, { videoUrl }));
      assertOk(await shoot(token, { videoUrl, time: 0 }));
      const res = await shoot(token, { videoUrl, width: 10 });
      assertFail(res, 429, '请求过于频繁，请稍后再试');
      assert.ok(Number(res.headers['retry-after']) > 0);
    });

    it('one job per slot: while every slot is busy, 503; afterwards it works again', async () => {
      const dir = await mkdtemp(path.join(os.tmpdir(), 'im-ffmpeg-'));
      const gate = path.join(dir, 'go');
      const started = path.join(dir, 'started');
      const slow = path.join(dir, 'ffmpeg');
      await writeFile(slow, `#!/bin/sh\ntouch ${started}\nwhile [ ! -f ${gate} ]; do sleep 0.02; done\nexec ffmpeg "$@"\n`);
      await chmod(slow, 0o755);
      mock(app.config.im.files.ffmpeg, 'path', slow);
      mock(app.config.im.files.ffmpeg, 'jobs', 1);
      const server = createServer(app.callback());
      await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
      try {
        const { port } = server.address() as AddressInfo;
        const call = (body: object) => fetch(`http://127.0.0.1:${port}${ROUTE}`, {
          method: 'POST', headers: { token, 'content-type': 'application/json' }, body: JSON.stringify(body),
        }).then(async res => ({ status: res.status, body: await res.json() as any }));
        const first = call({ videoUrl });
        const { access } = await import('node:fs/promises');
        for (let i = 0; i < 250 && !await access(started).then(() => true, () => false); i++) await new Promise(r => setTimeout(r, 20));
        const busy = await call({ videoUrl, width: 100 });
        assert.deepEqual([ busy.status, busy.body ], [ 503, { msg: 'fail', data: '服务暂不可用，请稍后再试' }]);
        await writeFile(gate, '');
        assert.equal((await first).status, 200);
        assert.equal((await call({ videoUrl, width: 100 })).status, 200);
      } finally {
        await new Promise(resolve => server.close(resolve));
        await rm(dir, { recursive: true, force: true });
      }
    });

    it('the time box: a job past FFMPEG_TIMEOUT_MS is killed, and no frame is left behind', async () => {
      const dir = await mkdtemp(path.join(os.tmpdir(), 'im-ffmpeg-'));
      const stuck = path.join(dir, 'ffmpeg');
      await writeFile(stuck, '#!/bin/sh\nexec sleep 30\n');
      await chmod(stuck, 0o755);
      mock(app.config.im.files.ffmpeg, 'path', stuck);
      mock(app.config.im.files.ffmpeg, 'timeoutMs', 300);
      try {
        assertFail(await shoot(token, { videoUrl }), 422, '无法从该视频截图');
        assert.deepEqual(await tempFiles(), []);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });

    for (const failure of AUTH_FAILURES) {
      it(`${failure.status} for ${failure.title}`, async () => {
        const { register } = await import('../../helpers');
        const other = await register('shooter01');
        const req = post(ROUTE).send({ videoUrl: '/public/uploads/x.mp4' });
        for (const [ name, value ] of Object.entries(await failure.prepare(other))) req.set(name, value);
        assertFail(await req, failure.status, failure.reason);
      });
    }
  });
}
