// The admins' TOTP secrets at rest (CONTRACT-admin §2): AES-256-GCM under a key derived from
// ADMIN_SECRET_KEY. Format `v1.<iv>.<tag>.<ciphertext>`, base64url parts.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

const keyOf = (secretKey: string) => createHash('sha256').update(`admin-totp:${secretKey}`).digest();

export function seal(plain: string, secretKey: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', keyOf(secretKey), iv);
  const data = Buffer.concat([ cipher.update(plain, 'utf8'), cipher.final() ]);
  return [ 'v1', iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), data.toString('base64url') ].join('.');
}

/** The plain text, or null when the box does not open with this key (a changed ADMIN_SECRET_KEY). */
export function open(sealed: string, secretKey: string): string | null {
  const [ version, iv, tag, data ] = sealed.split('.');
  if (version !== 'v1' || !iv || !tag || data === undefined) return null;
  try {
    const decipher = createDecipheriv('aes-256-gcm', keyOf(secretKey), Buffer.from(iv, 'base64url'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([ decipher.update(Buffer.from(data, 'base64url')), decipher.final() ]).toString('utf8');
  } catch {
    return null;
  }
}
