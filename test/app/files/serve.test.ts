import { strict as assert } from 'node:assert';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { app, mock } from 'egg-mock/bootstrap';
import { assertFail, assertOk } from '../../helpers';
import { png } from './media';
import { callers, emptyStorage, uploadDiy, useDriver } from './support';

const NOT_FOUND = '404 错误';
const SIZE = 1000;

/** Stores a 1000-byte "PNG" and returns its URL and bytes. */
async function storedFile() {
  const { userToken } = await callers();
  const content = Buffer.concat([ png(), Buffer.alloc(SIZE - png().length, 7) ]);
  for (let i = png().length; i < SIZE; i++) content[i] = i % 251;
  const { url } = assertOk(await uploadDiy(userToken, content));
  return { url: url as string, content };
}

const get = (url: string) => app.httpRequest().get(url).buffer(true).parse((res, done) => {
  const chunks: Buffer[] = [];
  res.on('data', (chunk: Buffer) => chunks.push(chunk));
  res.on('end', () => done(null, Buffer.concat(chunks)));
});

describe('GET/HEAD /public/uploads/{key} (local driver)', () => {
  beforeEach(async () => {
    await emptyStorage();
    await useDriver('local');
  });

  it('serves the file with its type, nosniff, a sandbox CSP, a one-year immutable cache and CORS for everyone', async () => {
    const { url, content } = await storedFile();
    const res = await get(url);
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, content);
    assert.equal(res.headers['content-type'], 'image/png');
    assert.equal(res.headers['content-length'], String(SIZE));
    assert.equal(res.headers['x-content-type-options'], 'nosniff');
    assert.equal(res.headers['content-security-policy'], 'default-src \'none\'; sandbox');
    assert.equal(res.headers['cache-control'], 'public, max-age=31536000, immutable');
    assert.equal(res.headers['access-control-allow-origin'], '*');
    assert.equal(res.headers['accept-ranges'], 'bytes');
    const head = await app.httpRequest().head(url);
    assert.equal(head.status, 200);
    assert.equal(head.headers['content-length'], String(SIZE));
    assert.equal(head.headers['content-type'], 'image/png');
    assert.equal(head.text, undefined);
  });

  describe('Range', () => {
    const cases: Array<[ string, number, [number, number]? ]> = [
      [ 'bytes=0-0', 206, [ 0, 0 ]],
      [ 'bytes=0-99', 206, [ 0, 99 ]],
      [ 'bytes=100-', 206, [ 100, 999 ]],
      [ 'bytes=990-5000', 206, [ 990, 999 ]],
      [ 'bytes=999-999', 206, [ 999, 999 ]],
      [ 'bytes=-1', 206, [ 999, 999 ]],
      [ 'bytes=-100', 206, [ 900, 999 ]],
      [ 'bytes=-5000', 206, [ 0, 999 ]],
      [ 'BYTES=1-2', 206, [ 1, 2 ]],
      [ 'bytes=1000-', 416 ],
      [ 'bytes=1000-2000', 416 ],
      [ 'bytes=99999999999999999999-', 416 ],
      [ 'bytes=-0', 416 ],
      [ 'bytes=5-2', 200 ],
      [ 'bytes=0-1,5-6', 200 ],
      [ 'bytes=abc', 200 ],
      [ 'bytes=-', 200 ],
      [ 'items=0-1', 200 ],
      [ 'bytes 0-1', 200 ],
    ];
    for (const [ range, status, span ] of cases) {
      it(`${range} -> ${status}${span ? ` ${span.join('-')}` : ''}`, async () => {
        const { url, content } = await storedFile();
        const res = await get(url).set('Range', range);
        assert.equal(res.status, status);
        if (status === 206) {
          const [ start, end ] = span!;
          assert.equal(res.headers['content-range'], `bytes ${start}-${end}/${SIZE}`);
          assert.equal(res.headers['content-length'], String(end - start + 1));
          assert.deepEqual(res.body, content.subarray(start, end + 1));
          const head = await app.httpRequest().head(url).set('Range', range);
          assert.equal(head.status, 206);
          assert.equal(head.headers['content-length'], String(end - start + 1));
        } else if (status === 416) {
          assert.equal(res.headers['content-range'], `bytes */${SIZE}`);
          assert.deepEqual(JSON.parse(res.body.toString()), { msg: 'fail', data: '请求的范围超出文件大小' });
        } else {
          assert.equal(res.headers['content-range'], undefined);
          assert.deepEqual(res.body, content);
        }
      });
    }
  });

  it('404 for anything but a stored key of the generated shapes', async () => {
    const { url } = await storedFile();
    const key = url.slice('/public/uploads/'.length);
    const { uploadDir } = app.config.im.files;
    // Files that exist on disk but are not keys the service generates.
    await mkdir(path.join(uploadDir, 'Diy', 'x'), { recursive: true });
    await writeFile(path.join(uploadDir, 'Diy', 'x', 'notes.txt'), 'secret');
    await writeFile(path.join(uploadDir, '.tmp', 'abc.part'), 'partial').catch(async () => {
      await mkdir(path.join(uploadDir, '.tmp'), { recursive: true });
      await writeFile(path.join(uploadDir, '.tmp', 'abc.part'), 'partial');
    });
    const upper = key.replace(/([0-9a-f]{32})/, m => m.toUpperCase());
    const urls = [
      '/public/uploads/', '/public/uploads/Diy', '/public/uploads/Diy/x/notes.txt', '/public/uploads/.tmp/abc.part',
      `/public/uploads/${key}x`, `/public/uploads/${key.replace('.png', '.gif')}`, `/public/uploads/${upper}`,
      `/public/uploads/${key.replace(/\//g, '%2F')}`, `/public/uploads/${key.replace('Diy', '%44iy')}`,
      `/public/uploads/Diy/chatImgs/../chatImgs/${key.split('/').slice(2).join('/')}`,
      `/public/uploads/${key.replace(/\.png$/, '.png%00')}`, '/public/uploads/..%2F..%2Fpackage.json',
      '/public/uploads/Diy/VideoScreenshot/screenshot_00000000000000000000000000000000.png',
      `/public/uploads/images/${key.split('/').slice(2).join('/')}`,
    ];
    for (const wrong of urls) assertFail(await app.httpRequest().get(wrong), 404, NOT_FOUND);
    for (const method of [ 'post', 'put', 'delete', 'patch' ] as const) {
      assertFail(await app.httpRequest()[method](url), 404, NOT_FOUND);
    }
    assert.equal((await get(url)).status, 200);
  });

  it('404 through a symbolic link, file or folder', async () => {
    const { url } = await storedFile();
    const key = url.slice('/public/uploads/'.length);
    const { uploadDir } = app.config.im.files;
    const linked = key.replace(/\d{13}_[0-9a-f]{32}/, `${Date.now()}_${'a'.repeat(32)}`);
    await symlink('/etc/passwd', path.join(uploadDir, linked));
    assertFail(await app.httpRequest().get(`/public/uploads/${linked}`), 404, NOT_FOUND);
    await symlink(path.join(uploadDir, 'Diy', 'chatImgs'), path.join(uploadDir, 'Diy', 'linkdir'));
    assertFail(await app.httpRequest().get(`/public/uploads/${key.replace('chatImgs', 'linkdir')}`), 404, NOT_FOUND);
  });

  it('404 with the S3 driver (the store serves its files)', async () => {
    const { url } = await storedFile();
    mock(app.config.im.files, 'driver', 's3');
    assertFail(await app.httpRequest().get(url), 404, NOT_FOUND);
  });
});
