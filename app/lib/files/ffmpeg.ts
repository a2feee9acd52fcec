// CONTRACT (files, getVideoScreenshot): one frame of a local file with Debian's ffmpeg.
// It may read only that file (-protocol_whitelist file; both paths as file: URLs, so no name
// can be taken for another protocol), within a time box, one thread per job.
import { spawn } from 'node:child_process';
import { stat } from 'node:fs/promises';

export interface FrameRequest {
  ffmpegPath: string;
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
    const child = spawn(request.ffmpegPath, frameArgs(request), {
      stdio: 'ignore', timeout: request.timeoutMs, killSignal: 'SIGKILL',
    });
    child.once('error', err => {
      const code = (err as NodeJS.ErrnoException).code ?? '';
      resolve([ 'ENOENT', 'EACCES', 'ENOTDIR' ].includes(code) ? 'missing' : 'noFrame');
    });
    child.once('close', async code => {
      if (code !== 0) return resolve('noFrame');
      const written = await stat(request.output).catch(() => undefined);
      resolve(written && written.size > 0 ? 'ok' : 'noFrame');
    });
  });
}

/** Screenshot jobs running in this process; beyond the configured number a request gets 503. */
let running = 0;

export function takeJobSlot(max: number): (() => void) | undefined {
  if (running >= max) return undefined;
  running++;
  let released = false;
  return () => {
    if (!released) {
      released = true;
      running--;
    }
  };
}
