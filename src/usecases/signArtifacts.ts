import { basename, resolve } from 'node:path';
import { SYMMETRIC } from '../core/algorithms.js';
import type { Context } from '../core/context.js';
import { pathProblem } from '../core/paths.js';
import { payloadDigest, serializeRecord, type SignatureRecord, type UnsignedRecord } from '../core/record.js';
import { KmssigError } from '../errors.js';
import { writeFileAtomic } from '../fs/atomicWrite.js';
import { findFiles } from '../fs/findFiles.js';
import type { KeyManagement } from '../kms/keyManagement.js';
import { messages } from '../messages.js';
import { readDigest } from './signFile.js';
import { algorithmFor } from './signRelease.js';

export interface SignArtifactsOptions {
  kms: KeyManagement;
  /** Key ID, ARN or alias; the record names the ARN KMS resolves it to. */
  keyId: string;
  /** A signing algorithm for an asymmetric key; default per DESIGN 2.2. */
  algorithm?: string;
  /**
   * The files to sign; the record keys them by file name. Absolute paths, or,
   * with `cwd`, paths and glob patterns relative to it (see findFiles).
   */
  files: readonly string[];
  /** Where relative paths and patterns in `files` start; without it, `files` are paths taken as they are. */
  cwd?: string;
  /** The record's context (no commit: these files live outside git). */
  context: Context;
  /** Absolute path of the record file; written atomically, only after KMS answered. */
  output: string;
  now?: () => Date;
}

/**
 * A standalone record (DESIGN 2.2, 2.3) for release artifacts outside git:
 * every file hashed first, then one DescribeKey and one Encrypt or Sign for
 * the whole set, then the record file written atomically. It is a version-1
 * record (file name -> SHA-512): an asset that is downloaded has no entry
 * type or mode that survives the download, so it binds bytes only.
 */
export async function signArtifacts(options: SignArtifactsOptions): Promise<SignatureRecord> {
  const { kms, context, output } = options;
  const files = options.cwd === undefined ? options.files : await findFiles(options.files, { cwd: options.cwd, except: output });
  const byName = new Map<string, string>();
  for (const file of files) {
    const name = basename(file);
    if (resolve(file) === resolve(output)) throw new KmssigError('USAGE', messages.outputIsInput(output));
    const problem = pathProblem(name);
    if (problem) throw new KmssigError('INPUT', messages.cannotRead(file, problem));
    const first = byName.get(name);
    if (first !== undefined) throw new KmssigError('USAGE', messages.duplicateBaseName(name, first, file));
    byName.set(name, file);
  }
  const digests: Record<string, string> = {};
  for (const [name, file] of byName) digests[name] = (await readDigest(file)).toString('hex');

  const key = await kms.describeKey(options.keyId);
  const alg = algorithmFor(key, options.algorithm);
  const unsigned: UnsignedRecord = { v: 1, alg, keyId: key.arn, context: { ...context }, files: digests };
  const digest = payloadDigest(unsigned);
  const signature =
    alg === SYMMETRIC
      ? (await kms.encrypt(key.arn, digest, unsigned.context)).ciphertext
      : (await kms.sign(key.arn, digest, alg)).signature;
  const record: SignatureRecord = {
    ...unsigned,
    sig: Buffer.from(signature).toString('base64'),
    signedAt: isoSeconds((options.now ?? (() => new Date()))()),
  };
  try {
    await writeFileAtomic(output, serializeRecord(record) + '\n');
  } catch (error) {
    throw new KmssigError('INPUT', messages.cannotWrite(output, (error as Error).message), { cause: error });
  }
  return record;
}

const isoSeconds = (date: Date) => date.toISOString().replace(/\.\d{3}Z$/, 'Z');
