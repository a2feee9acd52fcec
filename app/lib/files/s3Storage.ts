import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, ObjectCannedACL, PutObjectCommand, S3Client,
} from '@aws-sdk/client-s3';
import type { FilesConfig } from './config';
import { StorageUnavailableError } from './errors';
import type { FileStorage } from './storage';

type S3Settings = FilesConfig['s3'];

const IMMUTABLE = 'public, max-age=31536000, immutable';

function isNotFound(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e?.name === 'NotFound' || e?.name === 'NoSuchKey' || e?.$metadata?.httpStatusCode === 404;
}

/**
 * Any S3-compatible store (MinIO, AWS S3, Aliyun OSS through its S3 API); clients read objects
 * at `{S3_PUBLIC_BASE_URL}/{key}`, so the bucket (or a CDN in front of it) must be public-read.
 */
export class S3Storage implements FileStorage {
  private readonly client: S3Client;

  constructor(private readonly settings: S3Settings) {
    if (!settings.bucket || !settings.publicBaseUrl) {
      throw new Error('STORAGE_DRIVER=s3 needs S3_BUCKET and S3_PUBLIC_BASE_URL');
    }
    this.client = new S3Client({
      region: settings.region,
      endpoint: settings.endpoint || undefined,
      forcePathStyle: settings.forcePathStyle,
      credentials: settings.accessKeyId
        ? { accessKeyId: settings.accessKeyId, secretAccessKey: settings.secretAccessKey }
        : undefined,
      // Checksums only where S3 requires them: the newer default (aws-chunked bodies with
      // trailing checksums) is not understood by every S3-compatible store.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      // A store that is down answers 503 within seconds, not after the SDK's long retries.
      maxAttempts: 2,
      requestHandler: { connectionTimeout: 2000, requestTimeout: 30000 },
    });
  }

  private async send<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (err) {
      if (err instanceof StorageUnavailableError) throw err;
      throw new StorageUnavailableError(err);
    }
  }

  async put(key: string, source: string, mime: string): Promise<void> {
    const { size } = await stat(source);
    await this.send(() => this.client.send(new PutObjectCommand({
      Bucket: this.settings.bucket,
      Key: key,
      Body: createReadStream(source),
      ContentLength: size,
      ContentType: mime,
      CacheControl: IMMUTABLE,
      ACL: (this.settings.acl || undefined) as ObjectCannedACL | undefined,
    })));
  }

  async has(key: string): Promise<boolean> {
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: this.settings.bucket, Key: key }));
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw new StorageUnavailableError(err);
    }
  }

  private async get(key: string): Promise<Readable | undefined> {
    try {
      const answer = await this.client.send(new GetObjectCommand({ Bucket: this.settings.bucket, Key: key }));
      return answer.Body as Readable;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw new StorageUnavailableError(err);
    }
  }

  async read(key: string): Promise<Buffer | undefined> {
    const body = await this.get(key);
    if (!body) return undefined;
    const chunks: Buffer[] = [];
    await this.send(async () => {
      for await (const chunk of body) chunks.push(chunk as Buffer);
    });
    return Buffer.concat(chunks);
  }

  async localCopy(key: string, tmpDir: string) {
    const body = await this.get(key);
    if (!body) return undefined;
    const file = path.join(tmpDir, `${randomUUID()}.video`);
    const release = () => rm(file, { force: true });
    try {
      await this.send(async () => {
        await mkdir(tmpDir, { recursive: true });
        await pipeline(body, createWriteStream(file, { flags: 'wx', mode: 0o600 }));
      });
    } catch (err) {
      await release();
      throw err;
    }
    return { path: file, release };
  }

  async remove(key: string): Promise<void> {
    await this.send(() => this.client.send(new DeleteObjectCommand({ Bucket: this.settings.bucket, Key: key })));
  }

  url(key: string): string {
    return `${this.settings.publicBaseUrl}/${key}`;
  }
}
