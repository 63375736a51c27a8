import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import canonicalize from 'canonicalize';
import type { Context } from '../core/context.js';
import { KmssigError } from '../errors.js';
import { messages } from '../messages.js';
import { KmsError, type KeyManagement } from './keyManagement.js';

/**
 * An embedded software key for development and demos (`local:<path>` key
 * IDs): AES-256-GCM with the encryption context as associated data, the same
 * contract as KMS Encrypt/Decrypt. Not for production: the key is a file.
 */
export const LOCAL_PREFIX = 'local:';
const MAGIC = Buffer.from('KSL1');
const HEADER = '# kmssig local key: for development and demos, NOT for production\n';

export function isLocalKeyId(keyId: string | undefined): keyId is string {
  return keyId !== undefined && keyId.startsWith(LOCAL_PREFIX);
}

export function isLocalCiphertext(blob: Uint8Array): boolean {
  return blob.length >= MAGIC.length && Buffer.from(blob.subarray(0, MAGIC.length)).equals(MAGIC);
}

/** Writes a new random key file (mode 0600); never replaces an existing one. */
export async function createLocalKey(path: string): Promise<void> {
  await writeFile(path, HEADER + randomBytes(32).toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
}

/** The file a `local:` key ID names; a relative path is resolved against `baseDir`. */
export function localKeyPath(keyId: string, baseDir: string): string {
  const path = keyId.slice(LOCAL_PREFIX.length);
  return isAbsolute(path) ? path : resolve(baseDir, path);
}

export function createLocalKms(baseDir: string): KeyManagement {
  const keyPath = (keyId: string) => localKeyPath(keyId, baseDir);

  async function loadKey(keyId: string): Promise<Buffer> {
    let text: string;
    try {
      text = await readFile(keyPath(keyId), 'utf8');
    } catch (error) {
      throw new KmsError('not-found', messages.localKeyUnreadable(keyId), { cause: error });
    }
    // Exactly the form keygen writes (comment lines, one canonical base64 line of
    // 32 bytes): base64 decoding is lenient, so any file would otherwise do.
    const lines = text
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '' && !l.startsWith('#'));
    if (lines.length !== 1 || !/^[A-Za-z0-9+/]{43}=$/.test(lines[0]!)) throw new KmsError('not-found', messages.localKeyUnreadable(keyId));
    const key = Buffer.from(lines[0]!, 'base64');
    return key;
  }

  const fingerprint = (key: Buffer) => createHash('sha256').update(key).digest().subarray(0, 8);
  const aad = (context: Context) => Buffer.from(canonicalize(context) as string, 'utf8');
  const unsupported = (what: string) => new KmssigError('CONFIG', messages.localKeyCannot(what));

  return {
    async describeKey(keyId) {
      await loadKey(keyId);
      return { arn: keyId, spec: 'SYMMETRIC_DEFAULT', usage: 'ENCRYPT_DECRYPT', signingAlgorithms: [] };
    },
    async encrypt(keyId, plaintext, context) {
      const key = await loadKey(keyId);
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv).setAAD(aad(context));
      const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
      return { ciphertext: Buffer.concat([MAGIC, fingerprint(key), iv, cipher.getAuthTag(), body]), keyId };
    },
    async decrypt(ciphertext, context, keyId) {
      if (!isLocalKeyId(keyId)) throw new KmssigError('USAGE', messages.localKeyNotNamed());
      const key = await loadKey(keyId);
      const blob = Buffer.from(ciphertext);
      if (!isLocalCiphertext(blob) || blob.length < 40) throw new KmsError('bad-ciphertext', messages.badCiphertext());
      if (!blob.subarray(4, 12).equals(fingerprint(key))) throw new KmsError('wrong-key', messages.wrongKey(keyId));
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, blob.subarray(12, 24)).setAAD(aad(context));
        decipher.setAuthTag(blob.subarray(24, 40));
        const plaintext = Buffer.concat([decipher.update(blob.subarray(40)), decipher.final()]);
        return { plaintext, keyId };
      } catch (error) {
        throw new KmsError('bad-ciphertext', messages.badCiphertext(), { cause: error });
      }
    },
    sign: () => Promise.reject(unsupported('sign with an asymmetric algorithm')),
    getPublicKey: () => Promise.reject(unsupported('export a public key')),
  };
}
