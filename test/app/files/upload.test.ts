import { strict as assert } from 'node:assert';
import { connect } from 'node:net';
import { createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import { app, mock } from 'egg-mock/bootstrap';
import { AUTH_FAILURES, assertFail, assertOk } from '../../helpers';
import { CLOSED_PORT, assertClosed } from '../../faults';
import { HOSTILE, amr, encodedMedia, gif, jpeg, mp4Padded, png, webp } from './media';
import {
  ALIYUN, DIY, DRIVERS, Driver, callers, chatFiles, emptyStorage, readBack, s3Settings, storedKeys, tempFiles, upload,
  uploadAliyun, uploadDiy, useDriver,
} from './support';

const MB = 1024 * 1024;
const KEY_DIY = /^Diy\/chat\/imgs\/\d{8}\/\d{13}_[0-9a-f]{32}\.png$/;
const UNSUPPORTED = '不支持的文件类型';
const QUOTA = '今日上传已达上限，请明天再试';

/** Nothing stored, no temp file, no audit row. */
async function assertNothingLeft(driver: Driver) {
  assert.deepEqual(await storedKeys(driver), []);
  assert.deepEqual(await tempFiles(), []);
  assert.equal((await chatFiles()).length, 0);
}

/** The local URL or the S3 public URL of `key`. */
function urlOf(driver: Driver, key: string) {
  return driver === 'local' ? `/public/uploads/${key}` : `${app.config.im.files.s3.publicBaseUrl}/${key}`;
}

/** Sends the start of a multipart upload over a raw socket and closes it mid-file. */
async function abortedUpload(token: string, path: string, sent: Buffer) {
  const server = createServer(app.callback());
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = server.address() as AddressInfo;
    const boundary = 'abortboundary';
    const head = `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\nContent-Type: image/png\r\n\r\n`;
    const length = head.length + sent.length + 10 * MB;
    const socket = connect(port, '127.0.0.1');
    await new Promise(resolve => socket.once('connect', resolve));
    socket.write(`POST ${path} HTTP/1.1\r\nHost: x\r\ntoken: ${token}\r\nContent-Type: multipart/form-data; boundary=${boundary}\r\nContent-Length: ${length}\r\n\r\n`);
    socket.write(head);
    await new Promise(resolve => socket.write(sent, resolve));
    // Let the server take the bytes in (a temp file exists then), then vanish.
    for (let i = 0; i < 100 && (await tempFiles()).length === 0; i++) await new Promise(resolve => setTimeout(resolve, 20));
    assert.equal((await tempFiles()).length, 1, 'the upload was under way');
    socket.destroy();
    for (let i = 0; i < 100 && (await tempFiles()).length > 0; i++) await new Promise(resolve => setTimeout(resolve, 20));
  } finally {
    await new Promise(resolve => server.close(resolve));
  }
}

for (const driver of DRIVERS) {
  describe(`uploads with the ${driver} driver`, () => {
    beforeEach(async () => {
      await emptyStorage();
      await useDriver(driver);
    });

    describe('POST uploadStreamSingleToServerDiy/:diydir', () => {
      it('stores the first file part under Diy/{folders}/{YYYYMMDD}/{ms}_{32 hex}.{ext} and answers {url}', async () => {
        const { user, userToken } = await callers();
        const before = Date.now();
        const data = assertOk(await uploadDiy(userToken, png(3, 2), 'chat_imgs', 'evil.html'));
        assert.deepEqual(Object.keys(data), [ 'url' ]);
        const [ key ] = await storedKeys(driver);
        assert.match(key, KEY_DIY);
        assert.equal(data.url, urlOf(driver, key));
        const ms = Number(/_(\d{13})_/.exec(`_${key.split('/').pop()}`)![1]);
        assert.ok(ms >= before && ms <= Date.now());
        const day = new Date(ms + 8 * 3600_000).toISOString().slice(0, 10).replace(/-/g, '');
        assert.equal(key.split('/')[3], day, 'the date in APP_TIMEZONE');
        const back = await readBack(driver, data.url);
        assert.equal(back.status, 200);
        assert.deepEqual(back.bytes, png(3, 2));
        assert.equal(back.type, 'image/png');
        const [ row ] = await chatFiles();
        assert.deepEqual({ ...row, id: undefined, create_time: undefined }, {
          id: undefined, create_time: undefined, user_id: user.id, storage_key: key, kind: 'image', mime: 'image/png',
          size: png(3, 2).length, width: 3, height: 2,
        });
        assert.deepEqual(await tempFiles(), []);
      });

      it('tells the type from the bytes: every accepted kind gets its extension, whatever name and type the client sent', async () => {
        const { userToken } = await callers();
        const media = await encodedMedia();
        const cases: Array<[ Buffer, string, string ]> = [
          [ jpeg(4, 3), 'jpg', 'image/jpeg' ], [ media.jpegReal, 'jpg', 'image/jpeg' ], [ png(), 'png', 'image/png' ],
          [ gif(2, 2), 'gif', 'image/gif' ], [ webp(5, 5), 'webp', 'image/webp' ], [ media.mp3, 'mp3', 'audio/mpeg' ],
          [ media.mp3Id3, 'mp3', 'audio/mpeg' ], [ media.aac, 'aac', 'audio/aac' ], [ media.m4a, 'm4a', 'audio/mp4' ],
          [ media.wav, 'wav', 'audio/wav' ], [ amr(), 'amr', 'audio/amr' ], [ media.mp4, 'mp4', 'video/mp4' ],
          [ media.mov, 'mov', 'video/quicktime' ], [ media.webm, 'webm', 'video/webm' ],
        ];
        for (const [ content, ext, mime ] of cases) {
          const res = await upload(`${DIY}/media`, userToken, [{ content, filename: 'x.txt', contentType: 'text/html' }]);
          const { url } = assertOk(res);
          assert.ok(url.endsWith(`.${ext}`), `${ext}: ${url}`);
          const back = await readBack(driver, url);
          assert.deepEqual(back.bytes, content, ext);
          assert.equal(back.type, mime, ext);
        }
        const kinds = (await chatFiles()).map(row => row.kind);
        assert.deepEqual(kinds, [ ...Array(5).fill('image'), ...Array(6).fill('audio'), ...Array(3).fill('video') ]);
      });

      it('is open to visitors', async () => {
        const { visitor, visitorToken } = await callers();
        assertOk(await uploadDiy(visitorToken, png()));
        assert.equal((await chatFiles())[0].user_id, visitor.id);
      });

      it('refuses a bad diydir with 422 before reading the body, whatever the encoding', async () => {
        const { userToken } = await callers();
        const text = 'diydir 只能包含字母和数字，多级目录用下划线分隔';
        const bad = [
          '.._.._x', '%2E%2E_x', 'a%2Fb', 'a%2fb', 'a%5Cb', 'a%00b', 'a%20b', 'a-b', 'a.b', 'a__b', '_a', 'a_', 'a_b_c_d_e',
          'x'.repeat(33), `ok_${'y'.repeat(33)}`, 'VideoScreenshot', 'videoSCREENSHOT_x', '%E4%B8%AD', 'a%252Fb', '%C0%AE%C0%AE',
        ];
        for (const diydir of bad) assertFail(await uploadDiy(userToken, png(), diydir), 422, text);
        assertFail(await uploadDiy(userToken, png(), '..'), 422, text);
        assertOk(await uploadDiy(userToken, png(), `${'A'.repeat(32)}_b_c_VideoScreenshot`));
        assert.equal((await storedKeys(driver)).length, 1, 'only the valid one');
      });

      it('415 for a body that is not multipart/form-data (or is compressed)', async () => {
        const { userToken } = await callers();
        const text = '请使用 multipart/form-data 上传文件';
        assertFail(await app.httpRequest().post(`${DIY}/a`).set('token', userToken).send({ file: 'x' }), 415, text);
        assertFail(await app.httpRequest().post(`${DIY}/a`).set('token', userToken).type('form').send('file=x'), 415, text);
        assertFail(await app.httpRequest().post(`${DIY}/a`).set('token', userToken).set('Content-Type', 'image/png').send(png()), 415, text);
        assertFail(await app.httpRequest().post(`${DIY}/a`).set('token', userToken), 415, text);
        assertFail(await uploadDiy(userToken, png()).set('Content-Encoding', 'gzip'), 415, text);
        await assertNothingLeft(driver);
      });

      it('422 without a file part, with an empty file, with a second file part', async () => {
        const { userToken } = await callers();
        assertFail(await upload(`${DIY}/a`, userToken, [], { token: userToken }), 422, '请选择要上传的文件');
        assertFail(await uploadDiy(userToken, Buffer.alloc(0)), 422, '文件内容为空');
        const two = [{ content: png() }, { content: png(2, 3), field: 'other' }];
        assertFail(await upload(`${DIY}/a`, userToken, two), 422, '一次只能上传一个文件');
        assertFail(await upload(`${DIY}/a`, userToken, [ ...two, { content: png() }]), 422, '一次只能上传一个文件');
        assertFail(await app.httpRequest().post(`${DIY}/a`).set('token', userToken)
          .set('Content-Type', 'multipart/form-data; boundary=zz').send('--zz\r\nbroken'), 422, '请选择要上传的文件');
        await assertNothingLeft(driver);
      });

      it('415 for every other type: HTML named .png, SVG, PDF, ZIP, text, ELF, an unknown RIFF', async () => {
        const { userToken } = await callers();
        for (const [ name, content ] of Object.entries(HOSTILE)) {
          assertFail(await upload(`${DIY}/a`, userToken, [{ content, filename: 'photo.png', contentType: 'image/png' }]), 415, UNSUPPORTED);
          assert.ok(name);
        }
        // An ID3 tag in front of something that is not audio.
        const id3Html = Buffer.concat([ Buffer.from('494433030000000000', 'hex'), Buffer.alloc(1), HOSTILE.html ]);
        assertFail(await uploadDiy(userToken, id3Html), 415, UNSUPPORTED);
        await assertNothingLeft(driver);
      });

      it('422 for an image whose header claims more than 40 Mpx (never decoded), 200 at exactly 40 Mpx', async () => {
        const { userToken } = await callers();
        const text = '图片尺寸过大';
        for (const bomb of [ png(8000, 5001), gif(65535, 65535), webp(10000, 4001), jpeg(8001, 5000), jpeg(20000, 20000, 100_000) ]) {
          assertFail(await uploadDiy(userToken, bomb), 422, text);
        }
        await assertNothingLeft(driver);
        assertOk(await uploadDiy(userToken, png(8000, 5000)));
        assertOk(await uploadDiy(userToken, jpeg(5000, 8000, 100_000)));
        assert.deepEqual((await chatFiles()).map(row => [ row.width, row.height ]), [[ 8000, 5000 ], [ 5000, 8000 ]]);
      });

      it('413 past the cap of the kind, with the kind in the text; exactly the cap is stored', async () => {
        const { userToken } = await callers();
        const padded = (head: Buffer, size: number) => Buffer.concat([ head, Buffer.alloc(size - head.length) ]);
        assertFail(await uploadDiy(userToken, padded(png(), 10 * MB + 1)), 413, '文件过大（图片最大 10 MB）');
        assertFail(await uploadDiy(userToken, padded(amr(), 10 * MB + 1)), 413, '文件过大（音频最大 10 MB）');
        assertFail(await uploadDiy(userToken, mp4Padded(50 * MB + 1)), 413, '文件过大（视频最大 50 MB）');
        assertFail(await uploadDiy(userToken, padded(png(), 10 * MB + 1)).set('Accept-Language', 'en'), 413, 'File too large (images up to 10 MB)');
        await assertNothingLeft(driver);
        assertOk(await uploadDiy(userToken, padded(png(), 10 * MB)));
        assertOk(await uploadDiy(userToken, mp4Padded(50 * MB)));
        assert.deepEqual((await chatFiles()).map(row => row.size), [ 10 * MB, 50 * MB ]);
      });

      it('an aborted body leaves nothing: no temp file, no object, no row, no quota used', async () => {
        const { user, userToken } = await callers();
        await abortedUpload(userToken, `${DIY}/a`, png(2, 2));
        await abortedUpload(userToken, `${DIY}/a`, Buffer.concat([ png(), Buffer.alloc(3 * MB) ]));
        await assertNothingLeft(driver);
        assert.equal(await app.redis.exists(`im:upq:{u${user.id}}:${(await dayKeySuffix())}`), 0);
        assertOk(await uploadDiy(userToken, png()));
      });

      it('503 when the store is down, leaving nothing', async () => {
        const { userToken } = await callers();
        if (driver === 's3') {
          await assertClosed(CLOSED_PORT);
          mock(app.config.im.files, 's3', await s3Settings(`http://127.0.0.1:${CLOSED_PORT}`));
        } else {
          // A file where the upload folder's first level should be: mkdir fails.
          const { mkdir, writeFile } = await import('node:fs/promises');
          await mkdir(app.config.im.files.uploadDir, { recursive: true });
          await writeFile(`${app.config.im.files.uploadDir}/Diy`, 'not a folder');
        }
        assertFail(await uploadDiy(userToken, png()), 503, '服务暂不可用，请稍后再试');
        mock.restore();
        await useDriver(driver);
        assert.equal((await chatFiles()).length, 0);
        assert.deepEqual(await tempFiles(), []);
        if (driver === 's3') assert.deepEqual(await storedKeys(driver), []);
      });

      for (const failure of AUTH_FAILURES) {
        it(`${failure.status} for ${failure.title}`, async () => {
          const { user } = await callers();
          const req = uploadDiy(undefined, png());
          for (const [ name, value ] of Object.entries(await failure.prepare(user))) req.set(name, value);
          assertFail(await req, failure.status, failure.reason);
          await assertNothingLeft(driver);
        });
      }
    });

    describe('POST uploadAliyun', () => {
      it('stores field img under images/ and answers [{url, path, image_class_id, create_time}]', async () => {
        const { userToken } = await callers();
        const before = Math.floor(Date.now() / 1000);
        const data = assertOk(await uploadAliyun(userToken, jpeg(4, 4), { token: userToken, imageClassId: '7' }));
        assert.equal(data.length, 1);
        assert.deepEqual(Object.keys(data[0]), [ 'url', 'path', 'image_class_id', 'create_time' ]);
        assert.match(data[0].path, /^images\/\d{8}\/\d{13}_[0-9a-f]{32}\.jpg$/);
        assert.deepEqual(await storedKeys(driver), [ data[0].path ]);
        assert.equal(data[0].url, urlOf(driver, data[0].path));
        assert.equal(data[0].image_class_id, 7);
        assert.ok(data[0].create_time >= before && data[0].create_time <= Date.now() / 1000);
        assert.deepEqual((await readBack(driver, data[0].url)).bytes, jpeg(4, 4));
      });

      it('imageClassId: from the query first, else the form, else 0; 0 to 4294967295', async () => {
        const { userToken } = await callers();
        const id = async (fields: Record<string, string>, query = '') => assertOk(await uploadAliyun(userToken, png(), fields, query))[0].image_class_id;
        assert.equal(await id({}), 0);
        assert.equal(await id({ imageClassId: '0' }), 0);
        assert.equal(await id({ imageClassId: '4294967295' }), 4294967295);
        assert.equal(await id({ imageClassId: '5' }, '?imageClassId=9'), 9);
        const text = 'imageClassId 应为 0-4294967295 之间的整数';
        for (const bad of [ '-1', '4294967296', '1.5', 'abc', ' 1', '01' ]) {
          assertFail(await uploadAliyun(userToken, png(), { imageClassId: bad }), 422, text);
          assertFail(await uploadAliyun(userToken, png(), {}, `?imageClassId=${encodeURIComponent(bad)}`), 422, text);
        }
        assertFail(await upload(ALIYUN, userToken, [{ field: 'img', content: png() }], { imageClassId: '1' }).field('imageClassId', '2'), 422, text);
        assert.equal((await storedKeys(driver)).length, 4);
        assert.deepEqual(await tempFiles(), []);
      });

      it('422 without field img, for another file field first, for a second file', async () => {
        const { userToken } = await callers();
        const text = '请使用字段 img 上传文件';
        assertFail(await upload(ALIYUN, userToken, [], { imageClassId: '0' }), 422, text);
        assertFail(await upload(ALIYUN, userToken, [{ field: 'file', content: png() }]), 422, text);
        assertFail(await upload(ALIYUN, userToken, [{ field: 'file', content: png() }, { field: 'img', content: png() }]), 422, text);
        assertFail(await upload(ALIYUN, userToken, [{ field: 'img', content: png() }, { field: 'img', content: png() }]), 422, '一次只能上传一个文件');
        assertFail(await uploadAliyun(userToken, HOSTILE.svg), 415, UNSUPPORTED);
        await assertNothingLeft(driver);
      });

      it('is open to visitors', async () => {
        const { visitorToken } = await callers();
        assertOk(await uploadAliyun(visitorToken, gif()));
      });
    });

    describe('quotas', () => {
      it('users: files per day, then 429 with the quota text and Retry-After until midnight; visitors have their own', async () => {
        const { userToken, visitorToken } = await callers();
        mock(app.config.im.files.quota.user, 'files', 3);
        mock(app.config.im.files.quota.visitor, 'files', 1);
        for (let i = 0; i < 3; i++) assertOk(await uploadDiy(userToken, png()));
        const refused = await uploadDiy(userToken, png());
        assertFail(refused, 429, QUOTA);
        const retryAfter = Number(refused.headers['retry-after']);
        assert.ok(retryAfter >= 1 && retryAfter <= 86400);
        assertFail(await uploadAliyun(userToken, png()), 429, QUOTA);
        assertOk(await uploadAliyun(visitorToken, png()));
        assertFail(await uploadAliyun(visitorToken, png()), 429, QUOTA);
        assert.equal((await storedKeys(driver)).length, 4);
      });

      it('bytes per day: a file that would pass the quota is refused; failed uploads use none of it', async () => {
        const { userToken } = await callers();
        mock(app.config.im.files.quota.user, 'bytes', 1000);
        assertFail(await uploadDiy(userToken, HOSTILE.html), 415, UNSUPPORTED);
        assertOk(await uploadDiy(userToken, png(10, 10)));
        const left = 1000 - png(10, 10).length;
        assertFail(await uploadDiy(userToken, Buffer.concat([ png(), Buffer.alloc(left - png().length + 1) ])), 429, QUOTA);
        assertOk(await uploadDiy(userToken, Buffer.concat([ png(), Buffer.alloc(left - png().length) ])));
        assertFail(await uploadDiy(userToken, png()), 429, QUOTA);
        assert.equal((await chatFiles()).length, 2);
      });

      it('concurrent uploads cannot pass the daily quota together', async () => {
        const { userToken } = await callers();
        mock(app.config.im.files.quota.user, 'files', 3);
        const server = createServer(app.callback());
        await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
        try {
          const { port } = server.address() as AddressInfo;
          const statuses = await Promise.all(Array.from({ length: 8 }, async (_, i) => {
            const form = new FormData();
            form.append('file', new Blob([ new Uint8Array(png(2, 2, i)) ]), 'a.png');
            const res = await fetch(`http://127.0.0.1:${port}${DIY}/race`, { method: 'POST', headers: { token: userToken }, body: form });
            await res.arrayBuffer();
            return res.status;
          }));
          assert.deepEqual(statuses.sort(), [ 200, 200, 200, 429, 429, 429, 429, 429 ]);
        } finally {
          await new Promise(resolve => server.close(resolve));
        }
        assert.equal((await storedKeys(driver)).length, 3);
        assert.equal((await chatFiles()).length, 3);
      });

      it('30 uploads a minute per user, with the common 429 text', async () => {
        const { userToken, visitorToken } = await callers();
        mock(app.config.im.files.quota, 'perMinute', 2);
        assertOk(await uploadDiy(userToken, png()));
        assertFail(await uploadDiy(userToken, HOSTILE.pdf), 415, UNSUPPORTED);
        const limited = await uploadDiy(userToken, png());
        assertFail(limited, 429, '请求过于频繁，请稍后再试');
        assert.ok(Number(limited.headers['retry-after']) <= 60);
        assertOk(await uploadDiy(visitorToken, png()));
      });
    });
  });
}

async function dayKeySuffix() {
  return new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10).replace(/-/g, '');
}
