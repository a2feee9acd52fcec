// Uploads, serving and video screenshots (README "Files"). The variables are read by
// app/lib/files/config.ts (filesConfig); this section types and documents what it returns.
import { filesConfig } from '../../app/lib/files/config';
import { SectionOf } from './env';

/** Quota of one kind of caller per day (`APP_TIMEZONE`). */
export interface DailyQuota {
  /** Uploads a day. */
  files: number;
  /** Bytes a day (the variable is in MB of 2^20 bytes). */
  bytes: number;
}

export interface FilesSection {
  /** Where uploads go: `local` (uploadDir) or `s3`. `STORAGE_DRIVER`, default `local`. */
  driver: 'local' | 's3';
  /**
   * Local driver: where files live (served at /public/uploads/{key}); relative paths are under
   * the project. `UPLOAD_DIR`, default `data/uploads` (tests: `run/unittest-uploads/<MYSQL_DATABASE>`).
   */
  uploadDir: string;
  /** Upload temp files, on the same file system as uploadDir so a finished upload is renamed into place. `UPLOAD_TMP_DIR`, default `<uploadDir>/.tmp`. */
  tmpDir: string;
  /** The S3-compatible store of the `s3` driver. */
  s3: {
    /** `S3_ENDPOINT`, default empty (AWS). */
    endpoint: string;
    /** `S3_REGION`, default `us-east-1`. */
    region: string;
    /** Required with `STORAGE_DRIVER=s3`. `S3_BUCKET`, default empty. */
    bucket: string;
    /** Empty: the SDK's default credential chain. `S3_ACCESS_KEY_ID`, default empty. */
    accessKeyId: string;
    /** `S3_SECRET_ACCESS_KEY`, default empty. */
    secretAccessKey: string;
    /** true for MinIO and most self-hosted stores. `S3_FORCE_PATH_STYLE`, default false. */
    forcePathStyle: boolean;
    /** Where clients read objects (upload URLs are `{publicBaseUrl}/{key}`), trailing slashes removed; required with `s3`. `S3_PUBLIC_BASE_URL`, default empty. */
    publicBaseUrl: string;
    /** Canned ACL sent with each object; empty: none (the bucket policy makes objects public). `S3_ACL`, default `public-read`. */
    acl: string;
  };
  /** Largest file per kind, in MB (2^20 bytes). */
  maxMb: {
    /** `UPLOAD_MAX_IMAGE_MB`, default 10, at least 1. */
    image: number;
    /** `UPLOAD_MAX_AUDIO_MB`, default 10, at least 1. */
    audio: number;
    /** `UPLOAD_MAX_VIDEO_MB`, default 50, at least 1. */
    video: number;
  };
  /** Largest image, width × height. `UPLOAD_MAX_PIXELS`, default 40000000, at least 1. */
  maxPixels: number;
  /** Upload quotas and rate limits. */
  quota: {
    /** Per user: `UPLOAD_DAILY_FILES` (default 500), `UPLOAD_DAILY_MB` (default 1024). */
    user: DailyQuota;
    /** Per visitor: `VISITOR_UPLOAD_DAILY_FILES` (default 50), `VISITOR_UPLOAD_DAILY_MB` (default 100). */
    visitor: DailyQuota;
    /** Upload attempts per user a minute. `UPLOAD_PER_MINUTE`, default 30, at least 1. */
    perMinute: number;
    /** Screenshots per user an hour. `SCREENSHOT_PER_HOUR`, default 60, at least 1. */
    screenshotsPerHour: number;
    /** Prefix of the quota keys in Redis. Fixed: `im:upq:`. */
    keyPrefix: string;
  };
  /** Longest video an upload may hold, in s (as ffprobe reads the container). `UPLOAD_MAX_VIDEO_SECONDS`, default 3600, at least 1. */
  maxVideoSeconds: number;
  /** getVideoScreenshot's ffmpeg and ffprobe. */
  ffmpeg: {
    /** The ffmpeg binary. `FFMPEG_PATH`, default `ffmpeg`. */
    path: string;
    /** The ffprobe binary. `FFPROBE_PATH`, default `ffprobe`. */
    probePath: string;
    /** A screenshot's time box, in ms (its CPU seconds follow it). `FFMPEG_TIMEOUT_MS`, default 10000, at least 100. */
    timeoutMs: number;
    /** Screenshot jobs at once per HOST (all workers, app/lib/files/jobSlots.ts); beyond, 503. `FFMPEG_JOBS`, default the CPU cores, at least 1. */
    jobs: number;
    /** Address space of each ffmpeg/ffprobe process (prlimit --as), in MB. `FFMPEG_MAX_MEMORY_MB`, default 1024, at least 64. */
    memoryMb: number;
    /** The host whose job slots a process shares. `FFMPEG_HOST_ID`, default the host name. */
    host: string;
    /** Prefix of the job-slot keys in Redis. Fixed: `im:ffmpeg:`. */
    slotKeyPrefix: string;
  };
}

export const filesSection: SectionOf<FilesSection> = (_env, appInfo) => {
  return filesConfig(appInfo.baseDir);
};
