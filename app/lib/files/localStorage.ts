import { copyFile, lstat, mkdir, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { StorageUnavailableError } from './errors';
import { PUBLIC_PREFIX } from './keys';
import type { FileStorage } from './storage';

const isMissing = (err: unknown) => [ 'ENOENT', 'ENOTDIR' ].includes((err as NodeJS.ErrnoException)?.code ?? '');

/** Files under UPLOAD_DIR, served by app/controller/files/serve.ts at /public/uploads/{key}. */
export class LocalStorage implements FileStorage {
  constructor(private readonly root: string) {}

  private file(key: string) {
    return path.join(this.root, ...key.split('/'));
  }

  private async guard<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (err) {
      throw new StorageUnavailableError(err);
    }
  }

  async put(key: string, source: string): Promise<void> {
    const target = this.file(key);
    await this.guard(async () => {
      await mkdir(path.dirname(target), { recursive: true });
      try {
        // Same file system (the temp folder is inside UPLOAD_DIR): an atomic rename.
        await rename(source, target);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
        const partial = `${target}.${process.pid}.part`;
        await copyFile(source, partial);
        await rename(partial, target);
      }
    });
  }

  async has(key: string): Promise<boolean> {
    try {
      return (await lstat(this.file(key))).isFile();
    } catch (err) {
      if (isMissing(err)) return false;
      throw new StorageUnavailableError(err);
    }
  }

  async read(key: string): Promise<Buffer | undefined> {
    try {
      return await readFile(this.file(key));
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw new StorageUnavailableError(err);
    }
  }

  async localCopy(key: string) {
    if (!await this.has(key)) return undefined;
    return { path: this.file(key), release: async () => undefined };
  }

  async remove(key: string): Promise<void> {
    await this.guard(() => rm(this.file(key), { force: true }));
  }

  url(key: string): string {
    return PUBLIC_PREFIX + key;
  }
}
