// Test media, made here: images crafted byte by byte (any dimensions the header claims), audio
// and video encoded once per run with ffmpeg (the same binary the screenshots use).
import { execFile } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { crc32, deflateSync } from 'node:zlib';

function pngChunk(type: string, data: Buffer) {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([ Buffer.from(type, 'latin1'), data ]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([ length, body, crc ]);
}

/** An RGB PNG; real pixels up to 64x64, beyond that only the header tells the size (a "bomb"). */
export function png(width = 2, height = 2, seed = 0): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([ 8, 2, 0, 0, 0 ], 8);
  const rows = width * height <= 4096
    ? Buffer.concat(Array.from({ length: height }, (_, y) => Buffer.from([ 0, ...Array.from({ length: width * 3 }, (_, i) => (i + y + seed) % 256) ])))
    : Buffer.alloc(1);
  return Buffer.concat([
    Buffer.from('89504e470d0a1a0a', 'hex'), pngChunk('IHDR', header), pngChunk('IDAT', deflateSync(rows)), pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

/** A one-colour GIF89a of the given size. */
export function gif(width = 1, height = 1): Buffer {
  const size = Buffer.alloc(4);
  size.writeUInt16LE(width, 0);
  size.writeUInt16LE(height, 2);
  const descriptor = Buffer.alloc(9);
  descriptor.writeUInt16LE(width, 4);
  descriptor.writeUInt16LE(height, 6);
  return Buffer.concat([
    Buffer.from('GIF89a'), size, Buffer.from([ 0x80, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0x2c ]), descriptor,
    Buffer.from([ 0x02, 0x02, 0x44, 0x01, 0x00, 0x3b ]),
  ]);
}

/** An extended-format (VP8X) WebP header of the given canvas size. */
export function webp(width = 1, height = 1): Buffer {
  const vp8x = Buffer.alloc(18);
  vp8x.write('VP8X', 0, 'latin1');
  vp8x.writeUInt32LE(10, 4);
  vp8x.writeUIntLE(width - 1, 12, 3);
  vp8x.writeUIntLE(height - 1, 15, 3);
  const riff = Buffer.alloc(12);
  riff.write('RIFF', 0, 'latin1');
  riff.writeUInt32LE(4 + vp8x.length, 4);
  riff.write('WEBP', 8, 'latin1');
  return Buffer.concat([ riff, vp8x ]);
}

/** A baseline JPEG header; `exifBytes` puts an APP1 segment of that size before the frame header. */
export function jpeg(width = 1, height = 1, exifBytes = 0): Buffer {
  const segment = (marker: number, data: Buffer) => {
    const head = Buffer.alloc(4);
    head.writeUInt16BE(marker, 0);
    head.writeUInt16BE(data.length + 2, 2);
    return Buffer.concat([ head, data ]);
  };
  const sof = Buffer.alloc(15);
  sof.writeUInt8(8, 0);
  sof.writeUInt16BE(height, 1);
  sof.writeUInt16BE(width, 3);
  sof.set([ 3, 1, 0x11, 0, 2, 0x11, 1, 3, 0x11, 1 ], 5);
  const app1 = [];
  for (let left = exifBytes; left > 0; left -= 65000) app1.push(segment(0xffe1, Buffer.alloc(Math.min(left, 65000), 0x41)));
  return Buffer.concat([
    Buffer.from([ 0xff, 0xd8 ]), segment(0xffe0, Buffer.from('JFIF\0\x01\x01\0\0\x01\0\x01\0\0', 'latin1')), ...app1,
    segment(0xffc0, sof), Buffer.from([ 0xff, 0xd9 ]),
  ]);
}

/** AMR-NB: the magic line and a few 12.2 kbit/s frames of silence. */
export function amr(): Buffer {
  return Buffer.concat([ Buffer.from('#!AMR\n'), ...Array.from({ length: 10 }, () => Buffer.concat([ Buffer.from([ 0x3c ]), Buffer.alloc(31) ])) ]);
}

/** An MP4 header (ftyp box) followed by `size` bytes in total: sniffed as video, never played. */
export function mp4Padded(size: number): Buffer {
  const file = Buffer.alloc(size);
  Buffer.from('000000186674797069736f6d0000020069736f6d69736f32', 'hex').copy(file);
  return file;
}

export const HOSTILE = {
  html: Buffer.from('<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>'),
  svg: Buffer.from('<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect width="1" height="1"/></svg>'),
  pdf: Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n'),
  zip: Buffer.from('504b0304140000000000000000000000000000000000000000000100000061', 'hex'),
  text: Buffer.from('just some text, no magic number at all'),
  elf: Buffer.from('7f454c46020101000000000000000000', 'hex'),
};

const exec = promisify(execFile);

export interface EncodedMedia {
  mp3: Buffer;
  /** An MP3 behind an ID3 tag larger than the sniffing window. */
  mp3Id3: Buffer;
  aac: Buffer;
  m4a: Buffer;
  wav: Buffer;
  mp4: Buffer;
  mov: Buffer;
  webm: Buffer;
  jpegReal: Buffer;
}

let encoded: Promise<EncodedMedia> | undefined;

/** Audio and video made with ffmpeg, once per test run (a few hundred ms). */
export function encodedMedia(): Promise<EncodedMedia> {
  encoded ??= (async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'im-test-media-'));
    const sine = [ '-f', 'lavfi', '-i', 'sine=frequency=440:duration=0.3' ];
    const video = [ '-f', 'lavfi', '-i', 'testsrc=size=64x48:rate=10:duration=1' ];
    const jobs: Record<keyof EncodedMedia, string[]> = {
      mp3: [ ...sine, '-c:a', 'libmp3lame', '-f', 'mp3' ],
      mp3Id3: [ ...sine, '-c:a', 'libmp3lame', '-id3v2_version', '3', '-metadata', `comment=${'x'.repeat(20000)}`, '-f', 'mp3' ],
      aac: [ ...sine, '-c:a', 'aac', '-f', 'adts' ],
      m4a: [ ...sine, '-c:a', 'aac', '-f', 'ipod' ],
      wav: [ ...sine, '-c:a', 'pcm_s16le', '-f', 'wav' ],
      mp4: [ ...video, '-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-f', 'mp4' ],
      mov: [ ...video, '-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-f', 'mov' ],
      webm: [ ...video, '-c:v', 'libvpx', '-f', 'webm' ],
      jpegReal: [ ...video, '-frames:v', '1', '-c:v', 'mjpeg', '-f', 'image2' ],
    };
    const entries = await Promise.all(Object.entries(jobs).map(async ([ name, args ]) => {
      const file = path.join(dir, name);
      await exec('ffmpeg', [ '-hide_banner', '-loglevel', 'error', '-nostdin', ...args, '-y', file ]);
      return [ name, await readFile(file) ];
    }));
    return Object.fromEntries(entries) as EncodedMedia;
  })();
  return encoded;
}

/** An H.264 MP4 of `size` (WxH) lasting `seconds`, made with ffmpeg (a few kB). */
export async function encodedVideo(size: string, seconds: number): Promise<Buffer> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'im-test-video-'));
  const file = path.join(dir, 'video.mp4');
  await exec('ffmpeg', [ '-hide_banner', '-loglevel', 'error', '-nostdin', '-f', 'lavfi', '-i', `color=c=black:size=${size}:rate=2:duration=${seconds}`,
    '-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-f', 'mp4', '-y', file ]);
  return readFile(file);
}
