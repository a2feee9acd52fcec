// CONTRACT (files, upload rules): reads a multipart body through egg-multipart (stream mode)
// into one temp file, telling the type from the first bytes and stopping at the kind's cap.
// Whatever goes wrong (refused type, too big, a second file, an aborted body), the temp file
// is removed before the error leaves, so a failed upload stores nothing.
import { randomUUID } from 'node:crypto';
import { mkdir, open, rm } from 'node:fs/promises';
import path from 'node:path';
import { Readable, Transform, TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Context } from 'egg';
import { ApiError, MalformedBodyError, PayloadTooLargeError, UnsupportedMediaTypeError, ValidationError } from '../errors';
import { FileType, HEAD_BYTES, Kind, sniffFile, sniffHead, startsWithId3 } from './kinds';

const MB = 1024 * 1024;

export interface ReceiveOptions {
  /** The file part's field name (uploadAliyun: `img`); any name when absent. */
  field?: string;
  /** Largest file per kind, in MB. */
  maxMb: Record<Kind, number>;
  tmpDir: string;
}

export interface Received {
  /** The temp file; the caller moves it into storage or removes it. */
  path: string;
  size: number;
  type: FileType;
  /** The non-file fields; a repeated name gives an array. */
  fields: Record<string, string | string[]>;
}

export const tooLarge = (kind: Kind, maxMb: Record<Kind, number>) =>
  new PayloadTooLargeError(`files.tooLarge.${kind}`, { max: maxMb[kind] });

class UploadAbortedError extends ApiError {
  readonly status = 400;
  readonly key = 'error.malformedBody';
}

/**
 * Passes the bytes through while checking them: the first HEAD_BYTES decide the type (refused:
 * 415), then the running size is held to the kind's cap (413). An MP3 behind an ID3 tag counts as
 * audio until the whole file can be sniffed.
 */
class TypeGate extends Transform {
  private head: Buffer[] = [];
  private headLength = 0;
  size = 0;
  type?: FileType;
  /** The type still needs the whole file (ID3 tag). */
  deferred = false;

  constructor(private readonly maxMb: Record<Kind, number>) {
    super();
  }

  get kind(): Kind | undefined {
    return this.type?.kind ?? (this.deferred ? 'audio' : undefined);
  }

  private async decide(): Promise<void> {
    const head = Buffer.concat(this.head);
    this.head = [];
    if (startsWithId3(head)) {
      this.deferred = true;
      return;
    }
    this.type = await sniffHead(head);
    if (!this.type) throw new UnsupportedMediaTypeError('files.unsupportedType');
  }

  private checkSize() {
    const kind = this.kind;
    if (kind && this.size > this.maxMb[kind] * MB) throw tooLarge(kind, this.maxMb);
  }

  _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback) {
    this.size += chunk.length;
    const deciding = !this.kind && this.headLength + chunk.length >= HEAD_BYTES;
    if (!this.kind) {
      this.head.push(chunk);
      this.headLength += chunk.length;
    }
    (deciding ? this.decide() : Promise.resolve()).then(() => this.checkSize()).then(() => done(null, chunk), done);
  }

  _flush(done: TransformCallback) {
    if (this.size === 0) return done(new ValidationError('files.empty'));
    (this.kind ? Promise.resolve() : this.decide()).then(() => this.checkSize()).then(() => done(), done);
  }
}

/** egg-multipart's and busboy's own failures, as the contract's errors. */
function contractError(err: any, gate: TypeGate | undefined, maxMb: Record<Kind, number>): ApiError {
  if (err instanceof ApiError) return err;
  switch (err?.code) {
    case 'Request_fileSize_limit': return tooLarge(gate?.kind ?? 'video', maxMb);
    case 'Request_files_limit': return new ValidationError('files.secondFile');
    case 'Request_fields_limit':
    case 'Request_parts_limit':
    case 'Request_fieldSize_limit': return new PayloadTooLargeError();
    default: return new MalformedBodyError();
  }
}

/** Resolves never; rejects once the client goes away before sending the whole body. */
function whenAborted(ctx: Context, controller: AbortController): Promise<never> {
  return new Promise((_, reject) => {
    const onClose = () => {
      if (ctx.req.complete) return;
      controller.abort();
      reject(new UploadAbortedError());
    };
    ctx.req.once('close', onClose);
    controller.signal.addEventListener('abort', () => ctx.req.off('close', onClose));
  });
}

async function writeTemp(part: Readable, options: ReceiveOptions, gate: TypeGate, signal: AbortSignal) {
  await mkdir(options.tmpDir, { recursive: true });
  const file = path.join(options.tmpDir, `${randomUUID()}.part`);
  // Opened (created) before any byte flows, so a cleanup can never run ahead of the file's creation.
  const handle = await open(file, 'wx', 0o600);
  try {
    await pipeline(part, gate, handle.createWriteStream(), { signal });
  } catch (err) {
    await handle.close().catch(() => undefined);
    await rm(file, { force: true });
    throw err;
  }
  return file;
}

/**
 * Reads the whole multipart body: exactly one file part (the first), plus fields. Throws the
 * contract's 413/415/422 after removing anything it wrote; the rest of a refused body is
 * discarded unread and the connection closed after the answer.
 */
export async function receiveFile(ctx: Context, options: ReceiveOptions): Promise<Received> {
  const controller = new AbortController();
  const aborted = whenAborted(ctx, controller);
  aborted.catch(() => undefined);
  const fields = new Map<string, string | string[]>();
  let gate: TypeGate | undefined;
  let file: string | undefined;
  try {
    // egg-multipart's parts: [name, value] arrays for fields, a readable stream per file.
    type Part = [ string, string ] | (Readable & { fieldname: string });
    const parts = (ctx.multipart({ autoFields: false }) as unknown as AsyncIterable<Part>)[Symbol.asyncIterator]();
    for (;;) {
      const next = await Promise.race([ parts.next(), aborted ]);
      if (next.done) break;
      const part = next.value;
      if (Array.isArray(part)) {
        const [ name, value ] = part;
        const previous = fields.get(name);
        fields.set(name, previous === undefined ? value : ([] as string[]).concat(previous, value));
        continue;
      }
      if (gate) throw new ValidationError('files.secondFile');
      if (options.field && part.fieldname !== options.field) throw new ValidationError('files.imgField');
      gate = new TypeGate(options.maxMb);
      file = await writeTemp(part, options, gate, controller.signal);
    }
    if (!gate || !file) throw new ValidationError(options.field ? 'files.imgField' : 'files.noFile');
    const type = gate.type ?? await sniffFile(file);
    if (!type || (gate.deferred && type.kind !== 'audio')) throw new UnsupportedMediaTypeError('files.unsupportedType');
    if (gate.size > options.maxMb[type.kind] * MB) throw tooLarge(type.kind, options.maxMb);
    return { path: file, size: gate.size, type, fields: Object.fromEntries(fields) };
  } catch (err) {
    if (file) await rm(file, { force: true });
    discardRest(ctx);
    throw contractError(controller.signal.aborted ? new UploadAbortedError() : err, gate, options.maxMb);
  } finally {
    controller.abort();
  }
}

/** Stops parsing a refused body: the rest is read and dropped, and the connection closes after the answer. */
function discardRest(ctx: Context) {
  ctx.req.unpipe();
  ctx.req.resume();
  ctx.set('Connection', 'close');
}
