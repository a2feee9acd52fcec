// CONTRACT (files, getVideoScreenshot): one frame of a local file with Debian's ffmpeg.
// It may read only that file (-protocol_whitelist file; both paths as file: URLs, so no name
// can be taken for another protocol), within a time box, one thread per job.
import { execFile, spawn, spawnSync } from 'node:child_process';
import { stat } from 'node:fs/promises';

/** Caps on each ffmpeg/ffprobe process (prlimit: address space, CPU seconds). */
export interface ProcessLimits {
  memoryBytes: number;
  cpuSeconds: number;
}

/** The caps of FFMPEG_MAX_MEMORY_MB and, in CPU seconds, the time box (FFMPEG_TIMEOUT_MS). */
export function processLimits({ memoryMb, timeoutMs }: { memoryMb: number; timeoutMs: number }): ProcessLimits {
  return { memoryBytes: memoryMb * 1024 * 1024, cpuSeconds: Math.ceil(timeoutMs / 1000) };
}

let prlimitFound: boolean | undefined;

/** util-linux's prlimit (Debian: package util-linux, always installed); looked up once per process. */
export function prlimitAvailable(): boolean {
  if (prlimitFound === undefined) prlimitFound = spawnSync('prlimit', [ '--version' ], { stdio: 'ignore', timeout: 5000 }).status === 0;
  return prlimitFound;
}

/**
 * The command line that runs `command` under the memory and CPU caps: through prlimit when it is
 * there, else unchanged (the time box and the job slots still bound the job; README "Files").
 */
export function limitedCommand(command: string, args: string[], limits: ProcessLimits): [ string, string[] ] {
  if (!prlimitAvailable()) return [ command, args ];
  return [ 'prlimit', [ `--as=${limits.memoryBytes}`, `--cpu=${limits.cpuSeconds}`, '--', command, ...args ]];
}

// prlimit's exit codes when it cannot run the command (util-linux errexec: 127 not found, 126 not runnable).
const NOT_RUNNABLE = new Set([ 126, 127 ]);

export interface FrameRequest {
  ffmpegPath: string;
  limits: ProcessLimits;
  input: string;
  output: string;
  timeMs: number;
  width: number;
  format: 'png' | 'jpg';
  timeoutMs: number;
}

/** `missing`: no runnable ffmpeg; `noFrame`: nothing at that time (or the time box ran out). */
export type FrameResult = 'ok' | 'noFrame' | 'missing';

export function frameArgs({ input, output, timeMs, width, format }: FrameRequest): string[] {
  return [
    '-hide_banner', '-nostdin', '-loglevel', 'error', '-threads', '1',
    '-protocol_whitelist', 'file', '-ss', (timeMs / 1000).toFixed(3), '-i', `file:${input}`,
    '-frames:v', '1', '-vf', `scale=${width}:-2`, '-c:v', format === 'png' ? 'png' : 'mjpeg',
    '-f', 'image2', '-y', `file:${output}`,
  ];
}

export function grabFrame(request: FrameRequest): Promise<FrameResult> {
  return new Promise(resolve => {
    const [ command, args ] = limitedCommand(request.ffmpegPath, frameArgs(request), request.limits);
    const child = spawn(command, args, {
      stdio: 'ignore', timeout: request.timeoutMs, killSignal: 'SIGKILL',
    });
    child.once('error', err => {
      const code = (err as NodeJS.ErrnoException).code ?? '';
      resolve([ 'ENOENT', 'EACCES', 'ENOTDIR' ].includes(code) ? 'missing' : 'noFrame');
    });
    child.once('close', async code => {
      if (command === 'prlimit' && code !== null && NOT_RUNNABLE.has(code)) return resolve('missing');
      if (code !== 0) return resolve('noFrame');
      const written = await stat(request.output).catch(() => undefined);
      resolve(written && written.size > 0 ? 'ok' : 'noFrame');
    });
  });
}

export interface VideoInfo {
  /** The frame as ffmpeg outputs it (rotation applied). */
  width: number;
  height: number;
  /** Seconds, when the container tells. */
  durationSeconds?: number;
}

/** `missing`: no runnable ffprobe; `unreadable`: no video stream with dimensions. */
export type ProbeResult = VideoInfo | 'missing' | 'unreadable';

/** The first video stream's dimensions and the duration, with ffprobe under the same rules as ffmpeg. */
export function probeVideo(ffprobePath: string, input: string, limits: ProcessLimits, timeoutMs: number): Promise<ProbeResult> {
  const probeArgs = [
    '-v', 'error', '-protocol_whitelist', 'file', '-select_streams', 'v:0',
    '-show_entries', 'stream=width,height:stream_tags=rotate:stream_side_data=rotation:format=duration',
    '-of', 'json', `file:${input}`,
  ];
  const [ command, args ] = limitedCommand(ffprobePath, probeArgs, limits);
  return new Promise(resolve => {
    execFile(command, args, { timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 64 * 1024 }, (err, stdout) => {
      const code = (err as (NodeJS.ErrnoException & { code?: unknown }) | null)?.code;
      if (typeof code === 'string' && [ 'ENOENT', 'EACCES', 'ENOTDIR' ].includes(code)) return resolve('missing');
      if (command === 'prlimit' && typeof code === 'number' && NOT_RUNNABLE.has(code)) return resolve('missing');
      if (err) return resolve('unreadable');
      resolve(parseProbe(stdout));
    });
  });
}

export function parseProbe(json: string): VideoInfo | 'unreadable' {
  try {
    const parsed = JSON.parse(json);
    const stream = parsed?.streams?.[0];
    const width = Number(stream?.width);
    const height = Number(stream?.height);
    if (!(Number.isSafeInteger(width) && Number.isSafeInteger(height) && width > 0 && height > 0)) return 'unreadable';
    const rotation = Number(stream?.tags?.rotate ?? stream?.side_data_list?.find((d: any) => d?.rotation !== undefined)?.rotation ?? 0);
    const turned = Math.abs(rotation) % 180 === 90;
    const duration = Number(parsed?.format?.duration);
    return {
      width: turned ? height : width,
      height: turned ? width : height,
      ...(Number.isFinite(duration) && duration >= 0 ? { durationSeconds: duration } : {}),
    };
  } catch {
    return 'unreadable';
  }
}

/** The frame `scale=<width>:-2` makes of a `video` (height from the aspect ratio, rounded to even). */
export function scaledFrame(video: VideoInfo, width: number): { width: number; height: number } {
  const height = Math.max(2, 2 * Math.round((video.height * width) / video.width / 2));
  return { width, height };
}
