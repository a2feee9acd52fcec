// im.files (README "Files"): storage driver, caps, quotas and ffmpeg, from the environment.
import os from 'node:os';
import path from 'node:path';
import { envBool, envChoice, envInt, envString } from '../env';

const MB = 1024 * 1024;

export function filesConfig(baseDir: string) {
  const uploadDir = path.resolve(baseDir, envString('UPLOAD_DIR', 'data/uploads'));
  const caps = {
    image: envInt('UPLOAD_MAX_IMAGE_MB', 10, 1),
    audio: envInt('UPLOAD_MAX_AUDIO_MB', 10, 1),
    video: envInt('UPLOAD_MAX_VIDEO_MB', 50, 1),
  };
  const driver = envChoice('STORAGE_DRIVER', [ 'local', 's3' ] as const, 'local');
  const s3 = {
    endpoint: envString('S3_ENDPOINT', ''),
    region: envString('S3_REGION', 'us-east-1'),
    bucket: envString('S3_BUCKET', ''),
    accessKeyId: envString('S3_ACCESS_KEY_ID', ''),
    secretAccessKey: envString('S3_SECRET_ACCESS_KEY', ''),
    forcePathStyle: envBool('S3_FORCE_PATH_STYLE', false),
    publicBaseUrl: envString('S3_PUBLIC_BASE_URL', '').replace(/\/+$/, ''),
    /** Canned ACL sent with each object; empty: none (the bucket policy makes objects public). */
    acl: envString('S3_ACL', 'public-read'),
  };
  if (driver === 's3' && !(s3.bucket && s3.publicBaseUrl)) throw new Error('STORAGE_DRIVER=s3 needs S3_BUCKET and S3_PUBLIC_BASE_URL');
  return {
    driver,
    /** Local driver: where files live (served at /public/uploads/{key}); both drivers: temp files under .tmp/. */
    uploadDir,
    /** Upload temp files: same file system as uploadDir, so a finished upload is renamed into place. */
    tmpDir: path.resolve(baseDir, envString('UPLOAD_TMP_DIR', path.join(uploadDir, '.tmp'))),
    s3,
    /** Largest file per kind, in MB (2^20 bytes). */
    maxMb: caps,
    maxPixels: envInt('UPLOAD_MAX_PIXELS', 40_000_000, 1),
    quota: {
      user: { files: envInt('UPLOAD_DAILY_FILES', 500, 1), bytes: envInt('UPLOAD_DAILY_MB', 1024, 1) * MB },
      visitor: { files: envInt('VISITOR_UPLOAD_DAILY_FILES', 50, 1), bytes: envInt('VISITOR_UPLOAD_DAILY_MB', 100, 1) * MB },
      perMinute: envInt('UPLOAD_PER_MINUTE', 30, 1),
      screenshotsPerHour: envInt('SCREENSHOT_PER_HOUR', 60, 1),
      keyPrefix: 'im:upq:',
    },
    /** Longest video an upload may hold (seconds, as ffprobe reads the container). */
    maxVideoSeconds: envInt('UPLOAD_MAX_VIDEO_SECONDS', 3600, 1),
    ffmpeg: {
      path: envString('FFMPEG_PATH', 'ffmpeg'),
      probePath: envString('FFPROBE_PATH', 'ffprobe'),
      timeoutMs: envInt('FFMPEG_TIMEOUT_MS', 10_000, 100),
      /** Screenshot jobs at once per HOST (all workers together, app/lib/files/jobSlots.ts); beyond that, 503. */
      jobs: envInt('FFMPEG_JOBS', os.cpus().length, 1),
      /** Address space of each ffmpeg/ffprobe process (prlimit --as); its CPU seconds follow the time box. */
      memoryMb: envInt('FFMPEG_MAX_MEMORY_MB', 1024, 64),
      /** The host whose job slots a process shares (the machine's name). */
      host: envString('FFMPEG_HOST_ID', os.hostname()),
      slotKeyPrefix: 'im:ffmpeg:',
    },
  };
}

export type FilesConfig = ReturnType<typeof filesConfig>;

/**
 * egg-multipart in stream mode. Its limits back up the routes' own checks: one file part of at
 * most the largest cap plus one byte (so the per-kind check always sees the excess first), a
 * few small fields. The file-name whitelist is off: the type is sniffed from the bytes.
 */
export function multipartConfig(files: FilesConfig) {
  return {
    mode: 'stream',
    whitelist: () => true,
    fileSize: Math.max(...Object.values(files.maxMb)) * MB + 1,
    files: 2,
    fields: 10,
    fieldSize: 16 * 1024,
    fieldNameSize: 100,
  };
}
