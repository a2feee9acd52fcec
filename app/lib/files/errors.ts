import { ApiError } from '../errors';

/** A `Range` that starts past the end of the file (RFC 9110: 416 with `Content-Range: bytes *\/size`). */
export class RangeNotSatisfiableError extends ApiError {
  readonly status = 416;
  readonly key = 'files.rangeNotSatisfiable';
  constructor(size: number) {
    super('files.rangeNotSatisfiable');
    this.headers['Content-Range'] = `bytes */${size}`;
  }
}

/** The file store (disk or S3) failed: 503 with the common text; the cause is logged, not shown. */
export class StorageUnavailableError extends ApiError {
  readonly status = 503;
  readonly key = 'error.serviceUnavailable';
  constructor(readonly cause: unknown) {
    super('storage unavailable');
  }
}
