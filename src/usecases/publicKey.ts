import { createPublicKey } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { KmssigError } from '../errors.js';
import { writeFileAtomic } from '../fs/atomicWrite.js';
import type { KeyManagement } from '../kms/keyManagement.js';
import { messages } from '../messages.js';

export interface PublicKeyPem {
  /** PEM of the SubjectPublicKeyInfo (`-----BEGIN PUBLIC KEY-----`). */
  pem: string;
  /** The key ARN KMS answered with. */
  keyId: string;
  spec: string;
}

/**
 * GetPublicKey of an asymmetric signing key, as PEM (SPKI): what
 * verify.publicKeys pins. A key that does not sign (symmetric, or for
 * encryption) is a configuration error, whatever the KMS answers.
 */
export async function fetchPublicKey(kms: KeyManagement, keyId: string): Promise<PublicKeyPem> {
  const out = await kms.getPublicKey(keyId);
  if (out.usage !== 'SIGN_VERIFY') throw new KmssigError('CONFIG', messages.notASigningKey(out.keyId, out.usage));
  let pem: string;
  try {
    pem = createPublicKey({ key: Buffer.from(out.der), format: 'der', type: 'spki' }).export({ type: 'spki', format: 'pem' }) as string;
  } catch (error) {
    throw new KmssigError(
      'KMS',
      messages.kmsFailure('GetPublicKey', 'other', `the answer is not a public key (${(error as Error).message})`),
      { cause: error },
    );
  }
  return { pem, keyId: out.keyId, spec: out.spec };
}

/** Writes the PEM atomically (an existing file is replaced whole or left as it was), creating its folder if needed. */
export async function writePublicKey(path: string, key: PublicKeyPem): Promise<void> {
  try {
    await mkdir(dirname(path), { recursive: true });
    await writeFileAtomic(path, key.pem);
  } catch (error) {
    throw new KmssigError('INPUT', messages.cannotWrite(path, (error as Error).message), { cause: error });
  }
}
