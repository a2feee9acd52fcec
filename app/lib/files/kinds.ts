// CONTRACT (files): the accepted types, told from the bytes. file-type reads the magic numbers;
// the client's file name and Content-Type are never looked at.
//
// file-type is ESM-only since v17. This CommonJS build loads it with a plain require(): Node
// 20.19+ (package.json "engines") loads an ES module synchronously from require() when it has no
// top-level await, and file-type 21 declares that with its "module-sync" export condition.
// TypeScript (module commonjs) compiles the import below to that require(). Version 22 needs
// Node 22, hence ^21.
import { fileTypeFromBuffer, fileTypeFromFile } from 'file-type';

export type Kind = 'image' | 'audio' | 'video';

export interface FileType {
  kind: Kind;
  /** Extension of the stored key. */
  ext: string;
  /** Content-Type it is served with. */
  mime: string;
}

// file-type's extension -> what the service stores and serves.
const ACCEPTED: Record<string, FileType> = {
  jpg: { kind: 'image', ext: 'jpg', mime: 'image/jpeg' },
  png: { kind: 'image', ext: 'png', mime: 'image/png' },
  gif: { kind: 'image', ext: 'gif', mime: 'image/gif' },
  webp: { kind: 'image', ext: 'webp', mime: 'image/webp' },
  mp3: { kind: 'audio', ext: 'mp3', mime: 'audio/mpeg' },
  aac: { kind: 'audio', ext: 'aac', mime: 'audio/aac' },
  m4a: { kind: 'audio', ext: 'm4a', mime: 'audio/mp4' },
  wav: { kind: 'audio', ext: 'wav', mime: 'audio/wav' },
  amr: { kind: 'audio', ext: 'amr', mime: 'audio/amr' },
  mp4: { kind: 'video', ext: 'mp4', mime: 'video/mp4' },
  mov: { kind: 'video', ext: 'mov', mime: 'video/quicktime' },
  webm: { kind: 'video', ext: 'webm', mime: 'video/webm' },
};

/** Served Content-Type of a stored key's extension (screenshots included). */
export const CONTENT_TYPES: Record<string, string> =
  Object.fromEntries(Object.values(ACCEPTED).map(type => [ type.ext, type.mime ]));

export const EXTENSIONS = Object.keys(CONTENT_TYPES);

/** Bytes file-type needs to tell every accepted type from the start of a file. */
export const HEAD_BYTES = 4100;

/**
 * An MP3 may start with an ID3 tag of any size (cover art): only the whole file tells what follows.
 * Such a file is taken as audio while it streams and checked again once complete.
 */
export const startsWithId3 = (head: Buffer) => head.length >= 3 && head.toString('latin1', 0, 3) === 'ID3';

const accepted = (result: { ext: string } | undefined) => (result ? ACCEPTED[result.ext] : undefined);

/** The accepted type of a file's first bytes, or undefined (refused or unknown). */
export async function sniffHead(head: Buffer): Promise<FileType | undefined> {
  return accepted(await fileTypeFromBuffer(head));
}

export async function sniffFile(file: string): Promise<FileType | undefined> {
  return accepted(await fileTypeFromFile(file));
}
