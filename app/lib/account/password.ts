// Password storage with node:crypto's scrypt (see README "Why node:crypto").
// Stored format: scrypt$<N>$<r>$<p>$<salt base64>$<hash base64>, so the work factor can be
// raised later: rows with older parameters are rehashed on their next successful login.
import { createHash, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { ServiceUnavailableError } from '../errors';
import { Semaphore, SlotLimits } from '../semaphore';

export interface ScryptParams {
  cost: number; // N
  blockSize: number; // r
  parallelization: number; // p
}

/**
 * config.im.password: the scrypt parameters of new hashes and the bounds on hashes in flight;
 * `owner`: whose hash this is (the client address), for the fair queue.
 */
export type PasswordConfig = ScryptParams & Partial<SlotLimits> & { owner?: string };

/** Without configured limits (unit tests, scripts): libuv's default pool of 4 minus one. */
const DEFAULT_SLOTS: SlotLimits = { maxInFlight: 3, maxQueued: 32 };
const limitsOf = (params: PasswordConfig): SlotLimits & { owner?: string } => ({ ...DEFAULT_SLOTS, ...params });

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

/**
 * Every scrypt of this process (logins, decoys, registrations, rehashes) goes through these
 * slots: at most `maxInFlight` hashes on libuv's thread pool, kept below its size so file reads
 * always find a thread; `maxQueued` more wait, served round-robin across client addresses, and a
 * full queue refuses the busiest client's newest job first; refused: 503 with Retry-After
 * (docs/operations.md "Security").
 */
export const hashSlots = new Semaphore();

async function derive(password: string, salt: Buffer, params: ScryptParams, limits: SlotLimits & { owner?: string }): Promise<Buffer> {
  const { cost: N, blockSize: r, parallelization: p } = params;
  const release = await hashSlots.acquire(limits, limits.owner);
  if (!release) throw new ServiceUnavailableError(undefined, 1);
  try {
    // Runs on libuv's thread pool: never blocks the event loop.
    return await new Promise((resolve, reject) => {
      scrypt(password, salt, KEY_LENGTH, { N, r, p, maxmem: 256 * N * r }, (err, key) => (err ? reject(err) : resolve(key)));
    });
  } finally {
    release();
  }
}

export async function hashPassword(password: string, params: PasswordConfig): Promise<string> {
  const salt = randomBytes(SALT_LENGTH);
  const key = await derive(password, salt, params, limitsOf(params));
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
function decoyHash(params: PasswordConfig): Promise<string> {
  const id = JSON.stringify([ params.cost, params.blockSize, params.parallelization ]);
  if (!decoys.has(id)) {
    const decoy = hashPassword(randomBytes(16).toString('hex'), params);
    decoys.set(id, decoy);
    // A decoy refused a slot (503) is made again next time.
    decoy.catch(() => decoys.delete(id));
  }
  return decoys.get(id)!;
}

async function checkScrypt(password: string, parsed: ParsedScrypt, limits: SlotLimits & { owner?: string }): Promise<boolean> {
  const key = await derive(password, parsed.salt, parsed.params, limits);
  return key.length === parsed.key.length && timingSafeEqual(key, parsed.key);
}

/** The same work as a real check, for logins that have no row to check against. */
export async function spendVerifyWork(password: string, params: PasswordConfig): Promise<void> {
  await checkScrypt(password, parseScrypt(await decoyHash(params))!, limitsOf(params));
}

export async function verifyPassword(password: string, stored: string, params: PasswordConfig): Promise<VerifyResult> {
  const parsed = parseScrypt(stored);
  if (parsed) {
    const ok = await checkScrypt(password, parsed, limitsOf(params));
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
