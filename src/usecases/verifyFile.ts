import { readFile } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import type { Context } from '../core/context.js';
import { sameBytes } from '../core/digest.js';
import { KmssigError } from '../errors.js';
import { KmsError, type KeyManagement } from '../kms/keyManagement.js';
import { messages } from '../messages.js';
import { readDigest } from './signFile.js';

export interface VerifyDigestOptions {
  kms: KeyManagement;
  digest: Uint8Array;
  signature: Uint8Array;
  context?: Context;
  /** Allowed keys (IDs, ARNs or aliases). Empty: any key the caller may decrypt with. */
  keys?: readonly string[];
}

/**
 * Verifies a seed-format signature. Resolves with the key ARN that made it;
 * throws KmssigError INVALID (exit 1) when it does not verify, and KMS
 * errors (exit 3) when no decision could be made — never resolves on doubt.
 */
export async function verifyDigest({ kms, digest, signature, context = {}, keys = [] }: VerifyDigestOptions): Promise<{ keyId: string }> {
  if (signature.length === 0) throw new KmssigError('INVALID', messages.badCiphertext());
  const accept = (plaintext: Uint8Array, keyId: string) => {
    if (!sameBytes(plaintext, digest)) throw new KmssigError('INVALID', 'the file does not match the signature (it was modified)');
    return { keyId };
  };
  if (keys.length === 0) {
    const out = await kms.decrypt(signature, context);
    return accept(out.plaintext, out.keyId);
  }
  let denied: KmsError | undefined;
  let missing: KmsError | undefined;
  for (const key of keys) {
    try {
      const out = await kms.decrypt(signature, context, key);
      return accept(out.plaintext, out.keyId);
    } catch (error) {
      if (error instanceof KmsError && error.kind === 'wrong-key') continue;
      if (error instanceof KmsError && error.kind === 'access-denied') {
        denied = error;
        continue;
      }
      // One pinned key that does not exist (a typo, a deleted key) must not hide another that verifies.
      if (error instanceof KmsError && error.kind === 'not-found' && keys.length > 1) {
        missing = error;
        continue;
      }
      throw error;
    }
  }
  if (denied) {
    // AWS answers IncorrectKeyException for a pin to another key, but moto
    // answers AccessDeniedException: ask which key made the signature and
    // decide ourselves. If that is denied too, it really is a permission issue.
    const out = await kms.decrypt(signature, context).catch(() => Promise.reject(denied));
    const allowed = await Promise.all(keys.map(async (k) => (await kms.describeKey(k).catch(() => ({ arn: k }))).arn));
    if (allowed.includes(out.keyId) || keys.includes(out.keyId)) return accept(out.plaintext, out.keyId);
    throw new KmssigError('INVALID', `signed by a key that is not allowed (${out.keyId})`);
  }
  // Some pinned key could not be asked: no decision is possible, which is not a verdict of invalid.
  if (missing) throw missing;
  throw new KmssigError('INVALID', 'signed by a key that is not allowed');
}

export interface VerifyFileOptions extends Omit<VerifyDigestOptions, 'digest' | 'signature'> {
  input: string | Readable;
  signaturePath: string;
}

export async function verifyFile({ input, signaturePath, ...rest }: VerifyFileOptions) {
  let signature: Buffer;
  try {
    signature = await readFile(signaturePath);
  } catch (error) {
    const why = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message;
    throw new KmssigError('INPUT', messages.cannotRead(signaturePath, why), { cause: error });
  }
  if (signature.length === 0) throw new KmssigError('INVALID', messages.emptySignature(signaturePath));
  const digest = await readDigest(input);
  return verifyDigest({ ...rest, digest, signature });
}
