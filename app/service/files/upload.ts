import { open, rm } from 'node:fs/promises';
import { Service } from 'egg';
import { imageSize } from 'image-size';
import { UnsupportedMediaTypeError, ValidationError } from '../../lib/errors';
import { StorageUnavailableError } from '../../lib/files/errors';
import { probeVideo, processLimits } from '../../lib/files/ffmpeg';
import { uploadKey } from '../../lib/files/keys';
import { Received, receiveFile } from '../../lib/files/receive';
import { storageFor } from '../../lib/files/storage';

// Enough of a file for image-size to find the dimensions (a JPEG's frame header may follow
// large EXIF/ICC segments); the pixels themselves are never decoded.
const IMAGE_HEADER_BYTES = 512 * 1024;

export interface StoredUpload {
  key: string;
  url: string;
  createTime: Date;
}

async function imageDimensions(file: string): Promise<{ width: number; height: number } | undefined> {
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.alloc(IMAGE_HEADER_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    const { width, height } = imageSize(buffer.subarray(0, bytesRead));
    return width && height ? { width, height } : undefined;
  } catch {
    return undefined;
  } finally {
    await handle.close();
  }
}

/**
 * CONTRACT (files): POST uploadStreamSingleToServerDiy/:diydir and uploadAliyun. One write path:
 * quota check, body to a temp file (type, caps), pixel cap, quota count, store, audit row.
 */
export default class UploadService extends Service {
  private get files() {
    return this.config.im.files;
  }

  private get userId() {
    return this.ctx.state.session.id;
  }

  /**
   * Reads the multipart body into a temp file. `check` runs on the body's fields before anything
   * is stored. The caller's `store` moves the temp file into place.
   */
  async receive(field?: string): Promise<Received> {
    const { ctx } = this;
    // Compressed bodies are refused: a small gzip body could inflate to gigabytes for busboy.
    if (!ctx.is('multipart/form-data') || !/^(identity)?$/i.test(ctx.get('content-encoding'))) {
      throw new UnsupportedMediaTypeError('files.notMultipart');
    }
    await ctx.service.files.quota.admit(this.userId);
    return receiveFile(ctx, { field, maxMb: this.files.maxMb, tmpDir: this.files.tmpDir });
  }

  /** Stores a received file under `{folders}/{YYYYMMDD}/{ms}_{hex}.{ext}`; always removes the temp file. */
  async store(received: Received, folders: string[]): Promise<StoredUpload> {
    const { ctx } = this;
    try {
      let dimensions: { width: number; height: number } | undefined;
      if (received.type.kind === 'image') {
        dimensions = await imageDimensions(received.path);
        if (!dimensions) throw new UnsupportedMediaTypeError('files.unsupportedType');
        if (dimensions.width * dimensions.height > this.files.maxPixels) throw new ValidationError('files.tooManyPixels');
      }
      if (received.type.kind === 'video') dimensions = await this.checkVideo(received.path);
      await ctx.service.files.quota.reserve(this.userId, received.size);
      const now = new Date();
      const key = uploadKey(folders, received.type.ext, now, this.config.im.user.timezone);
      const storage = storageFor(this.files);
      try {
        await storage.put(key, received.path, received.type.mime);
        await this.app.repos.files.saveFile({
          user_id: this.userId, storage_key: key, kind: received.type.kind, mime: received.type.mime,
          size: received.size, width: dimensions?.width ?? null, height: dimensions?.height ?? null, create_time: now,
        });
      } catch (err) {
        if (err instanceof StorageUnavailableError) this.logStoreFailure(err);
        await storage.remove(key).catch(() => undefined);
        await ctx.service.files.quota.release(this.userId, received.size).catch(() => undefined);
        throw err;
      }
      return { key, url: storage.url(key), createTime: now };
    } finally {
      await rm(received.path, { force: true });
    }
  }

  /**
   * A video's frame size (the image pixel cap) and duration (UPLOAD_MAX_VIDEO_SECONDS), read by
   * ffprobe. A file ffprobe cannot read is stored as before (no screenshot can be made of it);
   * without ffprobe the check is skipped with a warning (README "Files").
   */
  private async checkVideo(file: string): Promise<{ width: number; height: number } | undefined> {
    const { ffmpeg, maxPixels, maxVideoSeconds } = this.files;
    const info = await probeVideo(ffmpeg.probePath, file, processLimits(ffmpeg), ffmpeg.timeoutMs);
    if (info === 'missing') {
      this.ctx.logger.warn('[files] ffprobe not found (%s): video dimensions and duration unchecked', ffmpeg.probePath);
      return undefined;
    }
    if (info === 'unreadable') return undefined;
    if (info.width * info.height > maxPixels) throw new ValidationError('files.videoTooManyPixels');
    if ((info.durationSeconds ?? 0) > maxVideoSeconds) throw new ValidationError('files.videoTooLong', { max: maxVideoSeconds });
    return { width: info.width, height: info.height };
  }

  /** Drops a received file that its route refused (fields). */
  async discard(received: Received): Promise<void> {
    await rm(received.path, { force: true });
  }

  logStoreFailure(err: StorageUnavailableError) {
    const cause = err.cause as { name?: string; code?: string; message?: string } | undefined;
    this.ctx.logger.error('[files] store failed: %s %s', cause?.name ?? 'Error', cause?.code ?? cause?.message ?? '');
  }
}
