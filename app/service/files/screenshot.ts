import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { Service } from 'egg';
import { imageSize } from 'image-size';
import { UniqueConstraintError } from 'sequelize';
import { NotFoundError, ServiceUnavailableError, ValidationError } from '../../lib/errors';
import { grabFrame, ProcessLimits, probeVideo, processLimits, scaledFrame, VideoInfo } from '../../lib/files/ffmpeg';
import { TAKE_JOB_SLOT } from '../../lib/files/jobSlots';
import { keyOfVideoUrl, screenshotKey } from '../../lib/files/keys';
import { FileStorage, storageFor } from '../../lib/files/storage';

export interface ScreenshotRequest {
  videoUrl: string;
  time: number;
  width: number;
  format: 'png' | 'jpg';
}

export interface Screenshot {
  base64: string;
  url: string;
  format: 'png' | 'jpg';
  time: number;
  width: number;
}

const MIME = { png: 'image/png', jpg: 'image/jpeg' } as const;

/**
 * CONTRACT (files, getVideoScreenshot): a frame of a video stored here, as a stored image.
 * Order: 422 (not our video) → 404 (file gone) → 429 (60 an hour) → a stored result for the same
 * inputs is reused → 429 (daily upload quota used up) → 503 (every job slot of the host busy, or
 * no ffmpeg) → 422 (the scaled frame would exceed UPLOAD_MAX_PIXELS, found by ffprobe before
 * ffmpeg runs) → 422 (no frame at `time`, nor at 0). A new frame counts in the daily quota.
 */
export default class ScreenshotService extends Service {
  private get files() {
    return this.config.im.files;
  }

  private get limits(): ProcessLimits {
    return processLimits(this.files.ffmpeg);
  }

  /** One of the host's FFMPEG_JOBS slots (all workers share them), or undefined when all are busy. */
  private async takeJobSlot(): Promise<(() => Promise<void>) | undefined> {
    const { redis } = this.app;
    if (typeof redis.takeJobSlot !== 'function') redis.defineCommand('takeJobSlot', { numberOfKeys: 1, lua: TAKE_JOB_SLOT });
    const { jobs, host, slotKeyPrefix, timeoutMs } = this.files.ffmpeg;
    const key = `${slotKeyPrefix}{${host}}:jobs`;
    const job = randomUUID();
    // The slot lapses by itself after twice the time box and a copy's margin (a worker that died).
    if (await redis.takeJobSlot(key, jobs, job, timeoutMs * 2 + 30_000) !== 1) return undefined;
    return async () => { await redis.zrem(key, job).catch(() => undefined); };
  }

  async create(request: ScreenshotRequest): Promise<Screenshot> {
    const { ctx } = this;
    const storage = storageFor(this.files);
    const videoKey = keyOfVideoUrl(request.videoUrl, this.files.s3.publicBaseUrl);
    if (!videoKey || !await this.app.repos.files.existsVideo(videoKey)) throw new ValidationError('files.notLocalVideo');
    if (!await storage.has(videoKey)) throw new NotFoundError('files.videoMissing');

    const { rateLimit } = ctx.service;
    const bucket = ctx.service.files.quota.screenshotBucket(ctx.state.session.id);
    await rateLimit.take([ bucket ]);
    try {
      return await this.shoot(storage, videoKey, request);
    } catch (err) {
      // Nothing was made: a 503 does not count against the hourly limit.
      if (err instanceof ServiceUnavailableError) await rateLimit.release([[ bucket, 'refund' ]]).catch(() => undefined);
      throw err;
    }
  }

  private async shoot(storage: FileStorage, videoKey: string, request: ScreenshotRequest): Promise<Screenshot> {
    const { width, format } = request;
    const wanted = screenshotKey(videoKey, request.time, width, format);
    const atZero = screenshotKey(videoKey, 0, width, format);
    const reused = await this.reuse(storage, wanted, request, request.time);
    if (reused) return reused;

    await this.ctx.service.files.quota.assertRoom(this.ctx.state.session.id);
    const release = await this.takeJobSlot();
    if (!release) throw new ServiceUnavailableError(undefined, 1);
    try {
      const video = await storage.localCopy(videoKey, this.files.tmpDir);
      if (!video) throw new NotFoundError('files.videoMissing');
      try {
        const deadline = Date.now() + this.files.ffmpeg.timeoutMs;
        await this.checkFrameSize(video.path, width, deadline);
        const first = await this.render(storage, video.path, wanted, request, request.time, deadline);
        if (first) return first;
        if (request.time !== 0) {
          const fallback = await this.reuse(storage, atZero, request, 0) ??
            await this.render(storage, video.path, atZero, request, 0, deadline);
          if (fallback) return fallback;
        }
        throw new ValidationError('files.noFrame');
      } finally {
        await video.release();
      }
    } finally {
      await release();
    }
  }

  /** 422 before ffmpeg runs when the frame `scale=<width>:-2` would make exceeds the image pixel cap. */
  private async checkFrameSize(input: string, width: number, deadline: number): Promise<VideoInfo> {
    const info = await probeVideo(this.files.ffmpeg.probePath, input, this.limits, Math.max(1, deadline - Date.now()));
    if (info === 'missing') throw new ServiceUnavailableError('files.ffmpegMissing');
    if (info === 'unreadable') throw new ValidationError('files.noFrame');
    const frame = scaledFrame(info, width);
    const { maxPixels } = this.files;
    if (frame.width * frame.height > maxPixels) {
      // The widest frame within the cap: width² × height / videoWidth ≤ maxPixels.
      let max = Math.floor(Math.sqrt((maxPixels * info.width) / info.height));
      while (max > 1 && max * scaledFrame(info, max).height > maxPixels) max--;
      throw new ValidationError('files.frameTooLarge', { max });
    }
    return info;
  }

  private async reuse(storage: FileStorage, key: string, request: ScreenshotRequest, time: number) {
    const bytes = await storage.read(key);
    return bytes && this.answer(storage, key, bytes, request, time);
  }

  /** Runs ffmpeg at `time` within what is left of the time box; undefined when there is no frame. */
  private async render(storage: FileStorage, input: string, key: string, request: ScreenshotRequest, time: number, deadline: number) {
    const { ctx } = this;
    const timeoutMs = deadline - Date.now();
    if (timeoutMs <= 0) return undefined;
    await mkdir(this.files.tmpDir, { recursive: true });
    const output = path.join(this.files.tmpDir, `${randomUUID()}.${request.format}`);
    try {
      const result = await grabFrame({
        ffmpegPath: this.files.ffmpeg.path, limits: this.limits, input, output, timeMs: time, width: request.width,
        format: request.format, timeoutMs,
      });
      if (result === 'missing') throw new ServiceUnavailableError('files.ffmpegMissing');
      if (result === 'noFrame') return undefined;
      const bytes = await readFile(output);
      const { width, height } = imageSize(bytes);
      const { quota } = ctx.service.files;
      const userId = ctx.state.session.id;
      // A new frame is a stored file: it counts in the day's upload quota (429 when it does not fit).
      await quota.reserve(userId, bytes.length);
      try {
        await storage.put(key, output, MIME[request.format]);
        await this.app.repos.files.saveFile({
          user_id: userId, storage_key: key, kind: 'screenshot', mime: MIME[request.format],
          size: bytes.length, width: width ?? null, height: height ?? null,
        });
      } catch (err) {
        // The same screenshot made by a concurrent request: its row is already there.
        if (!(err instanceof UniqueConstraintError)) {
          await quota.release(userId, bytes.length).catch(() => undefined);
          throw err;
        }
      }
      return this.answer(storage, key, bytes, request, time);
    } finally {
      await rm(output, { force: true });
    }
  }

  private answer(storage: FileStorage, key: string, bytes: Buffer, request: ScreenshotRequest, time: number): Screenshot {
    return {
      base64: `data:${MIME[request.format]};base64,${bytes.toString('base64')}`,
      url: storage.url(key),
      format: request.format,
      time,
      width: request.width,
    };
  }
}
