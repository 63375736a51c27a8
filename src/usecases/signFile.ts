import { stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import type { Context } from '../core/context.js';
import { KmssigError } from '../errors.js';
import { writeFileAtomic } from '../fs/atomicWrite.js';
import { hashFile, hashStream } from '../fs/hashFile.js';
import type { KeyManagement } from '../kms/keyManagement.js';
import { messages } from '../messages.js';

export interface SignDigestOptions {
  kms: KeyManagement;
  keyId: string;
  /** SHA-512 of the content, 64 bytes. */
  digest: Uint8Array;
  context?: Context;
}

/** The seed format (DESIGN 2.1): the raw CiphertextBlob of Encrypt(digest, context). */
export async function signDigest({ kms, keyId, digest, context = {} }: SignDigestOptions) {
  const { ciphertext, keyId: arn } = await kms.encrypt(keyId, digest, context);
  return { signature: ciphertext, keyId: arn };
}

export interface SignFileOptions extends Omit<SignDigestOptions, 'digest'> {
  /** A path, or a stream such as standard input. */
  input: string | Readable;
  /** Where the signature goes; written atomically, only after KMS answered. */
  output: string;
}

export async function signFile({ input, output, ...rest }: SignFileOptions) {
  const digest = await readDigest(input);
  const result = await signDigest({ ...rest, digest });
  try {
    await writeFileAtomic(output, result.signature);
  } catch (error) {
    throw new KmssigError('INPUT', messages.cannotWrite(output, (error as Error).message), { cause: error });
  }
  return result;
}

/** SHA-512 of a path or stream; an unreadable path is a usage error (exit 2). */
export async function readDigest(input: string | Readable): Promise<Buffer> {
  if (typeof input !== 'string') return hashStream(input);
  try {
    if ((await stat(input)).isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
    return await hashFile(input);
  } catch (error) {
    const err = error as NodeJS.ErrnoException;
    const why = err.code === 'ENOENT' ? 'no such file' : err.code === 'EACCES' ? 'permission denied' : err.message;
    throw new KmssigError('INPUT', messages.cannotRead(input, why), { cause: error });
  }
}
