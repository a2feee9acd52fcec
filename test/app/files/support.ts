// Helpers of the files tests: both storage drivers, uploads, and what is left on disk or in the bucket.
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DeleteObjectsCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { app, mock } from 'egg-mock/bootstrap';
import S3rver from 's3rver';
import { storageFor } from '../../../app/lib/files/storage';
import { insertUser, openSession, register } from '../../helpers';

export type Driver = 'local' | 's3';
export const DRIVERS: Driver[] = [ 'local', 's3' ];
const BUCKET = 'im-files-test';

interface S3Server {
  endpoint: string;
  close(): Promise<void>;
}
let s3: Promise<S3Server> | undefined;

/** One s3rver (an S3-protocol server in this process) per run, on an ephemeral port. */
function s3Server(): Promise<S3Server> {
  s3 ??= (async () => {
    const directory = await mkdtemp(path.join(os.tmpdir(), 'im-s3rver-'));
    const server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory, configureBuckets: [{ name: BUCKET, configs: [] }] });
    const { port } = await server.run();
    return {
      endpoint: `http://127.0.0.1:${port}`,
      close: async () => {
        await server.close();
        await rm(directory, { recursive: true, force: true });
      },
    };
  })();
  return s3;
}
after(async () => {
  if (s3) await (await s3).close();
});

let client: S3Client | undefined;
function s3Client(endpoint: string) {
  client ??= new S3Client({
    region: 'us-east-1', endpoint, forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  });
  return client;
}

/** The s3 settings the app uses against s3rver (endpoint overridable, e.g. a closed port). */
export async function s3Settings(endpoint?: string) {
  const server = await s3Server();
  const base = endpoint ?? server.endpoint;
  return {
    endpoint: base, region: 'us-east-1', bucket: BUCKET, accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER',
    forcePathStyle: true, publicBaseUrl: `${base}/${BUCKET}`, acl: 'public-read',
  };
}

/** Points the app at `driver` for the current test (egg-mock restores the config after it). */
export async function useDriver(driver: Driver) {
  const files = app.config.im.files;
  if (driver === 's3') {
    mock(files, 'driver', 's3');
    mock(files, 's3', await s3Settings());
  } else {
    mock(files, 'driver', 'local');
  }
}

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter(e => !e.isDirectory()).map(e => path.relative(dir, path.join(e.parentPath ?? (e as any).path, e.name)).split(path.sep).join('/'));
}

/** Every object the driver holds (keys), and every temp file left behind. */
export async function storedKeys(driver: Driver): Promise<string[]> {
  const { uploadDir } = app.config.im.files;
  if (driver === 'local') return (await listFiles(uploadDir)).filter(key => !key.startsWith('.tmp/')).sort();
  const { endpoint } = await s3Server();
  const answer = await s3Client(endpoint).send(new ListObjectsV2Command({ Bucket: BUCKET }));
  return (answer.Contents ?? []).map(o => o.Key!).sort();
}

export async function tempFiles(): Promise<string[]> {
  return listFiles(app.config.im.files.tmpDir);
}

/** Empties the upload folder and the bucket (before each files test). */
export async function emptyStorage() {
  await rm(app.config.im.files.uploadDir, { recursive: true, force: true });
  if (!s3) return;
  const { endpoint } = await s3;
  const keys = await storedKeys('s3');
  if (keys.length) {
    await s3Client(endpoint).send(new DeleteObjectsCommand({ Bucket: BUCKET, Delete: { Objects: keys.map(Key => ({ Key })) } }));
  }
}

/** The bytes of a stored object, read the way clients read it (its URL). */
export async function readBack(driver: Driver, url: string): Promise<{ status: number; bytes: Buffer; type: string }> {
  if (driver === 'local') {
    const res = await app.httpRequest().get(url).buffer(true).parse((r, done) => {
      const chunks: Buffer[] = [];
      r.on('data', (chunk: Buffer) => chunks.push(chunk));
      r.on('end', () => done(null, Buffer.concat(chunks)));
    });
    return { status: res.status, bytes: res.body as Buffer, type: res.headers['content-type'] };
  }
  const res = await fetch(url);
  return { status: res.status, bytes: Buffer.from(await res.arrayBuffer()), type: res.headers.get('content-type') ?? '' };
}

export interface FilePart {
  field?: string;
  content: Buffer;
  filename?: string;
  contentType?: string;
}

/** A multipart upload: file parts in order, then fields (as the app's uni.uploadFile sends). */
export function upload(route: string, token: string | undefined, parts: FilePart[], fields: Record<string, string> = {}) {
  const req = app.httpRequest().post(route);
  if (token) req.set('token', token);
  for (const [ name, value ] of Object.entries(fields)) req.field(name, value);
  for (const part of parts) {
    req.attach(part.field ?? 'file', part.content, { filename: part.filename ?? 'upload.bin', contentType: part.contentType ?? 'application/octet-stream' });
  }
  return req;
}

export const DIY = '/api/chat/uploadStreamSingleToServerDiy';
export const ALIYUN = '/api/chat/uploadAliyun';

export function uploadDiy(token: string | undefined, content: Buffer, diydir = 'chatImgs', filename?: string) {
  return upload(`${DIY}/${diydir}`, token, [{ content, filename }]);
}

export function uploadAliyun(token: string | undefined, content: Buffer, fields: Record<string, string> = {}, query = '') {
  return upload(`${ALIYUN}${query}`, token, [{ field: 'img', content }], fields);
}

/** A registered user's token, and a visitor's (a row with role visitor and a session). */
export async function callers() {
  const user = await register('uploader01');
  const visitorRow = await insertUser({ username: 'VISuploader', role: 'visitor' });
  return { user, userToken: user.token as string, visitor: visitorRow, visitorToken: await openSession(visitorRow) };
}

export function chatFiles() {
  return app.model.ChatFile.findAll({ raw: true, order: [[ 'id', 'ASC' ]] });
}

export { storageFor };
