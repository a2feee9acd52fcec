// CONTRACT (files): request fields of the upload and screenshot routes (app/lib/rules.ts types).
import { MAX_ID } from '../rules';

const optional = { required: false, widelyUndefined: true };

/** uploadAliyun: from the query string or a form field; 0 when absent. */
export const imageClassRules = {
  imageClassId: { type: 'integer', min: 0, max: MAX_ID, ...optional },
};

export const screenshotRules = {
  videoUrl: { type: 'text', min: 1, max: 2048, trim: true, widelyUndefined: true },
  time: { type: 'integer', min: 0, max: 3_600_000, ...optional },
  width: { type: 'integer', min: 1, max: 3840, ...optional },
  format: { type: 'choice', values: [ 'png', 'jpg' ], reason: 'files.format', ...optional },
};

export const SCREENSHOT_DEFAULTS = { time: 20, width: 260, format: 'png' } as const;
