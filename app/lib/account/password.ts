// Password storage with node:crypto's scrypt (see README "Why node:crypto").
// Stored format: scrypt$<N>$<r>$<p>$<salt base64>$<hash base64>, so the work factor can be
// raised later: rows with older parameters are rehashed on their next successful login.
import { createHash, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

export interface ScryptParams {
  cost: number; // N
  blockSize: number; // r
  parallelization: number; // p
}

export interface VerifyResult {
  ok: boolean;
  /** The row should be rewritten with the current parameters. */
  needsRehash: boolean;
}

/** Stored for accounts that have no password (visitors): it is no hash, so nothing verifies against it. */
export const NO_PASSWORD = '!';

const KEY_LENGTH = 32;
const SALT_LENGTH = 16;
const LEGACY_SHA256 = /^[0-9a-f]{64}$/i; // the tutorial's unsalted SHA-256 hex

function derive(password: string, salt: Buffer, params: ScryptParams): Promise<Buffer> {
  const { cost: N, blockSize: r, parallelization: p } = params;
  // Runs on libuv's thread pool: never blocks the event loop.
  return new Promise((resolve, reject) => {
    scrypt(password, salt, KEY_LENGTH, { N, r, p, maxmem: 256 * N * r }, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

export async function hashPassword(password: string, params: ScryptParams): Promise<string> {
  const salt = randomBytes(SALT_LENGTH);
  const key = await derive(password, salt, params);
  const { cost, blockSize, parallelization } = params;
  return [ 'scrypt', cost, blockSize, parallelization, salt.toString('base64'), key.toString('base64') ].join('$');
}

interface ParsedScrypt {
  params: ScryptParams;
  salt: Buffer;
  key: Buffer;
}

function parseScrypt(stored: string): ParsedScrypt | undefined {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return;
  const [ cost, blockSize, parallelization ] = parts.slice(1, 4).map(Number);
  if (![ cost, blockSize, parallelization ].every(Number.isSafeInteger)) return;
  return {
    params: { cost, blockSize, parallelization },
    salt: Buffer.from(parts[4], 'base64'),
    key: Buffer.from(parts[5], 'base64'),
  };
}

const sameParams = (a: ScryptParams, b: ScryptParams) =>
  a.cost === b.cost && a.blockSize === b.blockSize && a.parallelization === b.parallelization;

// A hash of a random password per parameter set, so a login for an unknown user (or a legacy
// row) costs exactly what a scrypt check costs and timing cannot tell the cases apart.
const decoys = new Map<string, Promise<string>>();
function decoyHash(params: ScryptParams): Promise<string> {
  const id = JSON.stringify(params);
  if (!decoys.has(id)) decoys.set(id, hashPassword(randomBytes(16).toString('hex'), params));
  return decoys.get(id)!;
}

async function checkScrypt(password: string, parsed: ParsedScrypt): Promise<boolean> {
  const key = await derive(password, parsed.salt, parsed.params);
  return key.length === parsed.key.length && timingSafeEqual(key, parsed.key);
}

/** The same work as a real check, for logins that have no row to check against. */
export async function spendVerifyWork(password: string, params: ScryptParams): Promise<void> {
  await checkScrypt(password, parseScrypt(await decoyHash(params))!);
}

export async function verifyPassword(password: string, stored: string, params: ScryptParams): Promise<VerifyResult> {
  const parsed = parseScrypt(stored);
  if (parsed) {
    const ok = await checkScrypt(password, parsed);
    return { ok, needsRehash: ok && !sameParams(parsed.params, params) };
  }
  if (LEGACY_SHA256.test(stored)) {
    await spendVerifyWork(password, params);
    const digest = createHash('sha256').update(password).digest();
    const ok = timingSafeEqual(digest, Buffer.from(stored, 'hex'));
    return { ok, needsRehash: ok };
  }
  await spendVerifyWork(password, params);
  return { ok: false, needsRehash: false };
}
