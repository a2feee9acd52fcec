// Hostile request bodies for the property-based tests (fast-check): any string, JSON value,
// broken JSON, form, huge value and content type, built around a route's own field names.
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { app } from 'egg-mock/bootstrap';
// The parser Egg's body parser uses for forms, to tell which generated inputs are valid.
// eslint-disable-next-line @typescript-eslint/no-var-requires
const qs = require('qs');

export const BODY_LIMIT = 16 * 1024; // config.bodyParser: 16kb
export const NUM_RUNS = Number(process.env.FC_NUM_RUNS ?? 100);
const CONTENT_TYPES = [
  'application/json', 'application/x-www-form-urlencoded', 'text/plain', 'application/xml', 'application/octet-stream',
  'multipart/form-data; boundary=xyz', 'application/json; charset=utf-7', 'application/x-www-form-urlencoded; charset=latin1',
  'application/vnd.api+json', 'application/csp-report',
];

export interface Sample {
  contentType: string;
  body: string;
}

// Strings of every kind: ASCII, any Unicode (lone surrogates included), control characters.
export const anyString = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.string({ unit: fc.integer({ min: 0, max: 0x1f }).map(c => String.fromCharCode(c)), maxLength: 10 }),
  fc.constantFrom('', ' ', '\u0000', '\ud800', '𝒜𝒷𝒸𝒹', 'ａｂｃｄ', "' OR 1=1 --", '%_\\', 'null', 'true', '1e309'),
);
export const anyJson = fc.jsonValue({ maxDepth: 4, stringUnit: 'binary' });
// A huge value: up to 2.5 times the body limit, so some bodies are over it.
const hugeString = fc.tuple(fc.constantFrom('a', 'é', '中', '\u0000', '😀'), fc.integer({ min: 1000, max: 40000 }))
  .map(([ ch, n ]) => ch.repeat(Math.ceil(n / Buffer.byteLength(ch))));
const fieldValue = fc.oneof(anyString, anyJson, hugeString);

// Every UTF-8 byte percent-encoded (encodeURIComponent throws on lone surrogates).
export const percentEncode = (text: string) => [ ...Buffer.from(text) ].map(b => `%${b.toString(16).padStart(2, '0')}`).join('');

export const MAX_DEPTH = 32; // config.im.bodyMaxDepth

/** JSON nested `depth` levels of arrays and objects (picked by `shape`), around `leaf`. */
export function nestedJson(depth: number, shape: number[], leaf = '1'): string {
  let open = '';
  let close = '';
  for (let i = 0; i < depth; i++) {
    const kind = shape[i % shape.length] % 3;
    if (kind === 0) { open += '['; close = `]${close}`; }
    if (kind === 1) { open += '{"a":'; close = `}${close}`; }
    if (kind === 2) { open += '[0,'; close = `]${close}`; }
  }
  return `${open}${leaf}${close}`;
}

/** Any depth, from shallow to far beyond any stack (the bodies over the limit answer 413). */
export const anyDepth = fc.oneof(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 20000 }));
const anyShape = fc.array(fc.nat(2), { minLength: 1, maxLength: 5 });

/** JSON bodies of any depth: at the root, or in one of `fieldNames`. */
export function deepJsonSamples(fieldNames: string[]): fc.Arbitrary<Sample & { depth: number }> {
  return fc.record({ depth: anyDepth, shape: anyShape, field: fc.option(fc.constantFrom(...fieldNames), { nil: undefined }) })
    .map(({ depth, shape, field }) => {
      if (field === undefined) return { contentType: 'application/json', body: nestedJson(depth, shape), depth };
      return { contentType: 'application/json', body: `{${JSON.stringify(field)}:${nestedJson(depth - 1, shape)}}`, depth };
    });
}

/** Form bodies with keys of any bracket or dot depth (qs bounds what it builds from them). */
export function deepFormSamples(fieldNames: string[]): fc.Arbitrary<Sample> {
  return fc.record({ depth: anyDepth, field: fc.constantFrom(...fieldNames), dots: fc.boolean() })
    .map(({ depth, field, dots }) => ({
      contentType: 'application/x-www-form-urlencoded',
      body: `${field}${(dots ? '.a' : '[a]').repeat(depth)}=1`,
    }));
}

/** Bodies of every kind; objects and forms mostly use `fieldNames` (the route's fields and tricky keys). */
export function hostileSamples(fieldNames: string[]): fc.Arbitrary<Sample> {
  const fieldName = fc.oneof(fc.constantFrom(...fieldNames), anyString);
  const jsonSamples: fc.Arbitrary<Sample> = fc.oneof(
    // Any JSON value at the root.
    anyJson.map(value => JSON.stringify(value)),
    // Objects with the real field names holding any JSON type, repeated keys included.
    fc.array(fc.tuple(fieldName, fieldValue), { maxLength: 6 })
      .map(entries => `{${entries.map(([ k, v ]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(',')}}`),
    // Broken JSON.
    fc.oneof(anyString, fc.constantFrom('{', '{"username":', '[1,', '{"a":1}}', '\ufeff{}', 'undefined')),
  ).map(body => ({ contentType: 'application/json', body }));

  const formSamples: fc.Arbitrary<Sample> = fc.array(fc.tuple(fieldName, fc.oneof(anyString, hugeString)), { maxLength: 8 })
    .map(entries => ({
      contentType: 'application/x-www-form-urlencoded',
      body: entries.map(([ k, v ]) => `${percentEncode(k)}=${percentEncode(v)}`).join('&'),
    }));

  const otherSamples: fc.Arbitrary<Sample> = fc.record({
    contentType: fc.constantFrom(...CONTENT_TYPES),
    body: fc.oneof(anyString, anyJson.map(v => JSON.stringify(v)), formSamples.map(s => s.body)),
  });

  return fc.oneof(jsonSamples, formSamples, otherSamples, deepJsonSamples(fieldNames), deepFormSamples(fieldNames));
}

// What Egg's body parser reads as JSON or form (with or without parameters).
const JSON_TYPE = /^application\/(json|json-patch\+json|vnd\.api\+json|csp-report)(;|$)/;
const FORM_TYPE = /^application\/x-www-form-urlencoded(;|$)/;

/** The fields as the server's body parser could see them, or undefined if it would not parse. */
export function parse({ contentType, body }: Sample): Record<string, unknown> | undefined {
  try {
    if (JSON_TYPE.test(contentType)) return JSON.parse(body);
    if (FORM_TYPE.test(contentType)) return qs.parse(body);
  } catch {
    return undefined;
  }
}

export function send(path: string, sample: Sample, token?: string) {
  const req = app.httpRequest().post(path).set('Content-Type', sample.contentType);
  if (token) req.set('token', token);
  return req.send(sample.body);
}

export function assertFailEnvelope(res: any, what: string) {
  assert.ok(res.status >= 400 && res.status < 500, `${what}: ${res.status} ${JSON.stringify(res.body)?.slice(0, 200)}`);
  assert.match(res.headers['content-type'], /^application\/json/, what);
  assert.equal(res.body.msg, 'fail', what);
  assert.equal(typeof res.body.data, 'string', what);
}

export const tooLarge = (sample: Sample) =>
  (JSON_TYPE.test(sample.contentType) || FORM_TYPE.test(sample.contentType)) && Buffer.byteLength(sample.body) > BODY_LIMIT;

/**
 * Every path in turn with `runs` hostile bodies: 200 with the envelope `ok`, or a 4xx failure
 * envelope, never a 5xx; a body over the parser's limit answers 413.
 */
export async function assertBodiesAnswered(paths: string[], samples: fc.Arbitrary<Sample>, token: string, runs: number) {
  for (const path of paths) {
    await fc.assert(fc.asyncProperty(samples, async sample => {
      const res = await send(path, sample, token);
      if (res.status === 200) assert.equal(res.body.msg, 'ok', path);
      else assertFailEnvelope(res, `${path} ${sample.contentType}`);
      if (tooLarge(sample)) assert.equal(res.status, 413, path);
    }), { numRuns: runs });
  }
}
