import { strict as assert } from 'node:assert';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { app, mock } from 'egg-mock/bootstrap';
import { imageSize } from 'image-size';
import { assertFail, assertOk, post } from '../../helpers';
import { encodedMedia, encodedVideo } from './media';
import { callers, chatFiles, emptyStorage, tempFiles, uploadDiy, useDriver } from './support';

const ROUTE = '/api/chat/getVideoScreenshot';
const shoot = (token: string, body: object) => post(ROUTE).set('token', token).send(body);

/** An ffmpeg stand-in that notes each run (and the limits it runs under), then runs the real one. */
async function recordingFfmpeg() {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'im-ffmpeg-'));
  const log = path.join(dir, 'runs');
  const script = path.join(dir, 'ffmpeg');
  await writeFile(script, `#!/bin/sh\necho "$(ulimit -v) $(ulimit -t)" >> ${log}\nexec ffmpeg "$@"\n`);
  await chmod(script, 0o755);
  mock(app.config.im.files.ffmpeg, 'path', script);
  return {
    runs: async () => (await readFile(log, 'utf8').catch(() => '')).split('\n').filter(Boolean),
    done: () => rm(dir, { recursive: true, force: true }),
  };
}

describe('getVideoScreenshot cannot eat the host (issue 16, item 2)', () => {
  let token: string;

  beforeEach(async () => {
    await emptyStorage();
    await useDriver('local');
    ({ userToken: token } = await callers());
  });

  it('a 16x208 video at width 3840 answers 422 before ffmpeg runs (the frame would be 3840x49920)', async () => {
    const videoUrl = assertOk(await uploadDiy(token, await encodedVideo('16x208', 1), 'chatVideo')).url;
    const ffmpeg = await recordingFfmpeg();
    try {
      // width² × 208 / 16 ≤ 40,000,000 up to 1754 (the height rounded to even: 22802).
      assertFail(await shoot(token, { videoUrl, width: 3840 }), 422, 'width 过大：该视频截图宽度最大为 1754');
      assertFail(await shoot(token, { videoUrl, width: 1755 }), 422, 'width 过大：该视频截图宽度最大为 1754');
      assert.deepEqual(await ffmpeg.runs(), []);
      assert.deepEqual(await tempFiles(), []);
      // Within the cap it works (a smaller cap keeps the test light).
      mock(app.config.im.files, 'maxPixels', 100 * 1300);
      assertFail(await shoot(token, { videoUrl, width: 102 }), 422, 'width 过大：该视频截图宽度最大为 100');
      const data = assertOk(await shoot(token, { videoUrl, width: 100 }));
      const frame = imageSize(Buffer.from(data.base64.split(',')[1], 'base64'));
      assert.deepEqual([ frame.width, frame.height ], [ 100, 1300 ]);
      assert.equal((await ffmpeg.runs()).length, 1);
    } finally {
      await ffmpeg.done();
    }
  });

  it('ffmpeg runs under prlimit: address space FFMPEG_MAX_MEMORY_MB, CPU seconds of the time box', async () => {
    const { mp4 } = await encodedMedia();
    const videoUrl = assertOk(await uploadDiy(token, mp4, 'chatVideo')).url;
    mock(app.config.im.files.ffmpeg, 'memoryMb', 600);
    mock(app.config.im.files.ffmpeg, 'timeoutMs', 4500);
    const ffmpeg = await recordingFfmpeg();
    try {
      assertOk(await shoot(token, { videoUrl }));
      assert.deepEqual(await ffmpeg.runs(), [ `${600 * 1024} 5` ]);
    } finally {
      await ffmpeg.done();
    }
  });

  it('checks video dimensions and duration at upload (422), and records the dimensions', async () => {
    const { mp4 } = await encodedMedia(); // 64x48, 1 s
    mock(app.config.im.files, 'maxPixels', 64 * 48 - 1);
    assertFail(await uploadDiy(token, mp4, 'chatVideo'), 422, '视频尺寸过大');
    mock(app.config.im.files, 'maxPixels', 64 * 48);
    assertOk(await uploadDiy(token, mp4, 'chatVideo'));
    const [ row ] = await chatFiles();
    assert.deepEqual([ row.kind, row.width, row.height ], [ 'video', 64, 48 ]);
    mock(app.config.im.files, 'maxVideoSeconds', 2);
    const long = await encodedVideo('16x16', 3);
    assertFail(await uploadDiy(token, long, 'chatVideo'), 422, '视频过长（最长 2 秒）');
    mock(app.config.im.files, 'maxVideoSeconds', 3);
    assertOk(await uploadDiy(token, long, 'chatVideo'));
  });

  it('counts new screenshots in the daily quota (a reused one costs nothing)', async () => {
    const { mp4 } = await encodedMedia();
    const videoUrl = assertOk(await uploadDiy(token, mp4, 'chatVideo')).url;
    mock(app.config.im.files.quota, 'user', { ...app.config.im.files.quota.user, files: 2 });
    const first = assertOk(await shoot(token, { videoUrl, width: 32 }));
    assert.deepEqual(assertOk(await shoot(token, { videoUrl, width: 32 })), first);
    const res = await shoot(token, { videoUrl, width: 33 });
    assertFail(res, 429, '今日上传已达上限，请明天再试');
    assert.ok(Number(res.headers['retry-after']) > 0);
    assert.equal((await chatFiles()).length, 2);
  });

  it('one job per core per HOST: a job of another worker of this host takes a slot too', async () => {
    const { mp4 } = await encodedMedia();
    const videoUrl = assertOk(await uploadDiy(token, mp4, 'chatVideo')).url;
    mock(app.config.im.files.ffmpeg, 'jobs', 1);
    const { slotKeyPrefix, host } = app.config.im.files.ffmpeg;
    const key = `${slotKeyPrefix}{${host}}:jobs`;
    const [ seconds ] = await app.redis.time();
    await app.redis.zadd(key, Number(seconds) * 1000 + 60_000, 'another-worker-job');
    const busy = await shoot(token, { videoUrl });
    assertFail(busy, 503, '服务暂不可用，请稍后再试');
    assert.equal(busy.headers['retry-after'], '1');
    // A worker that died: its slot lapses by itself.
    await app.redis.zadd(key, Number(seconds) * 1000 - 1, 'another-worker-job');
    assertOk(await shoot(token, { videoUrl }));
    assert.deepEqual(await app.redis.zrange(key, 0, -1), []);
  });
});
