import { constants } from 'node:fs';
import { FileHandle, open, realpath } from 'node:fs/promises';
import path from 'node:path';
import { Service } from 'egg';
import { NotFoundError } from '../../lib/errors';
import { isStoredKey } from '../../lib/files/keys';

export interface OpenedFile {
  handle: FileHandle;
  size: number;
  ext: string;
  modified: Date;
}

/**
 * CONTRACT (files, serving): GET/HEAD /public/uploads/{key} with the local driver. Only keys of
 * the generated shapes, inside UPLOAD_DIR, reached without a symbolic link, regular files; else 404.
 */
export default class ServeService extends Service {
  /** `rawKey` is the path as sent, never decoded: a key has no `%`, so any encoding is a 404. */
  async open(rawKey: string): Promise<OpenedFile> {
    const files = this.config.im.files;
    if (files.driver !== 'local' || !isStoredKey(rawKey)) throw new NotFoundError();
    let handle: FileHandle | undefined;
    try {
      const root = await realpath(files.uploadDir);
      const file = path.join(root, ...rawKey.split('/'));
      // realpath resolves every link on the way: any symbolic link makes it differ.
      if (await realpath(file) !== file) throw new NotFoundError();
      // O_NOFOLLOW: a link swapped in after the realpath check still fails to open.
      handle = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW); // eslint-disable-line no-bitwise
      const stats = await handle.stat();
      if (!stats.isFile()) throw new NotFoundError();
      return { handle, size: stats.size, ext: path.extname(file).slice(1), modified: stats.mtime };
    } catch (err) {
      await handle?.close();
      if (err instanceof NotFoundError || [ 'ENOENT', 'ENOTDIR', 'ELOOP' ].includes((err as NodeJS.ErrnoException).code ?? '')) {
        throw new NotFoundError();
      }
      throw err;
    }
  }
}
