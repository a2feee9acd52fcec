// CONTRACT (files, storage): one small interface, two drivers (local disk, S3-compatible).
// Every failure of the store itself becomes StorageUnavailableError (503).
import type { FilesConfig } from './config';
import { LocalStorage } from './localStorage';
import { S3Storage } from './s3Storage';

export interface FileStorage {
  /** Puts the finished temp file `source` under `key`: afterwards the object is whole or absent. */
  put(key: string, source: string, mime: string): Promise<void>;
  has(key: string): Promise<boolean>;
  /** The object's bytes (small objects: screenshots), or undefined if absent. */
  read(key: string): Promise<Buffer | undefined>;
  /**
   * A local file holding the object, for ffmpeg: the stored file itself (local) or a temp copy
   * under `tmpDir` (S3) that `release` removes; undefined if absent.
   */
  localCopy(key: string, tmpDir: string): Promise<{ path: string; release(): Promise<void> } | undefined>;
  remove(key: string): Promise<void>;
  /** The URL clients read the object from. */
  url(key: string): string;
}

// One driver per distinct configuration (tests switch drivers through the config).
const drivers = new Map<string, FileStorage>();

export function storageFor(files: FilesConfig): FileStorage {
  const id = JSON.stringify([ files.driver, files.uploadDir, files.s3 ]);
  let driver = drivers.get(id);
  if (!driver) {
    driver = files.driver === 's3' ? new S3Storage(files.s3) : new LocalStorage(files.uploadDir);
    drivers.set(id, driver);
  }
  return driver;
}
