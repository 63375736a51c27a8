import { createPublicKey, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { noCache } from '../cache/lineCache.js';
import { SYMMETRIC } from '../core/algorithms.js';
import { allOk, compareFiles, type FileResult } from '../core/compare.js';
import type { Context } from '../core/context.js';
import { policyProblem, type Policy } from '../core/policy.js';
import { parseRecord, type SignatureRecord } from '../core/record.js';
import { KmssigError } from '../errors.js';
import { findFiles } from '../fs/findFiles.js';
import { hashFile } from '../fs/hashFile.js';
import type { KeyManagement } from '../kms/keyManagement.js';
import { messages } from '../messages.js';
import { fetchPublicKey } from './publicKey.js';
import { createRecordVerifier } from './verifyRecord.js';

export interface VerifyArtifactsOptions {
  kms: KeyManagement;
  /** Absolute path of the record file (`<name>.kmssig.json`). */
  recordPath: string;
  /** How messages name the record file (default: recordPath), e.g. as the user typed it. */
  label?: string;
  /** The folder that holds the files the record lists. */
  dir: string;
  /** Pinned public keys: an asymmetric record verifies offline against them. */
  publicKeys: readonly KeyObject[];
  /** Allowed key ARNs; empty means any key. */
  keys: readonly string[];
  /** Pairs the record's context must contain with the same values. */
  context: Context;
}

export interface ArtifactsResult {
  record: SignatureRecord;
  files: FileResult[];
  status: 'pass' | 'fail';
  /** Where the signature was checked: offline with a public key, or by KMS. */
  checkedBy: 'public-key' | 'kms';
}

/**
 * Verifies a standalone record file and the files it lists. The signature
 * first (INVALID, exit 1, when it does not verify), then every file's
 * SHA-512. An asymmetric record with pinned public keys makes no KMS call;
 * a symmetric one is checked with KMS Decrypt against its own key.
 */
export async function verifyArtifacts(options: VerifyArtifactsOptions): Promise<ArtifactsResult> {
  const { kms, recordPath, keys } = options;
  const label = options.label ?? recordPath;
  const text = await readFile(recordPath, 'utf8').catch((caught: unknown) => {
    const error = caught as NodeJS.ErrnoException;
    throw new KmssigError('INPUT', messages.cannotRead(label, error.code === 'ENOENT' ? 'no such file' : error.message), { cause: error });
  });
  const parsed = parseRecord(text.trim());
  if (!parsed.ok) throw new KmssigError('INVALID', messages.recordFileInvalid(label, parsed.reason));
  const { record, line } = parsed;
  // A record file binds bytes only (version 1); a version-2 record belongs on a commit, where modes mean something.
  if (record.v !== 1) throw new KmssigError('INVALID', messages.recordFileInvalid(label, messages.recordFileVersion(record.v)));

  const policy: Policy = { keys, refs: [], context: options.context, requireContext: [] };
  const problem = policyProblem(record, policy, undefined);
  if (problem) throw new KmssigError('INVALID', messages.recordFileSignatureInvalid(label, problem));

  let publicKeys = options.publicKeys;
  if (record.alg === SYMMETRIC) {
    if (publicKeys.length > 0 && !keys.includes(record.keyId)) {
      throw new KmssigError('INVALID', messages.recordFileSignatureInvalid(label, messages.symmetricRecordWithPublicKey()));
    }
  } else if (publicKeys.length === 0) {
    // No public key given: only a pinned key may be asked for its public key (the policy check above made sure it is pinned).
    if (keys.length === 0) throw new KmssigError('USAGE', messages.asymmetricNeedsPublicKey(label, record.alg));
    publicKeys = [createPublicKey((await fetchPublicKey(kms, record.keyId)).pem)];
  }

  const verifier = createRecordVerifier({ kms, policy, publicKeys, cache: noCache });
  const verdict = await verifier.verify(record, line);
  if (!verdict.valid) throw new KmssigError('INVALID', messages.recordFileSignatureInvalid(label, verdict.reason));

  const actual = new Map<string, string>();
  for (const path of Object.keys(record.files)) {
    const full = join(options.dir, path);
    try {
      actual.set(path, (await hashFile(full)).toString('hex'));
    } catch (error) {
      const err = error as NodeJS.ErrnoException;
      if (err.code === 'ENOENT') continue; // absent: reported as missing
      throw new KmssigError('INPUT', messages.cannotHashArtifact(full, err.code === 'EISDIR' ? 'it is a folder' : err.message), {
        cause: error,
      });
    }
  }
  const files = compareFiles(actual, record.files);
  return { record, files, status: allOk(files) ? 'pass' : 'fail', checkedBy: record.alg === SYMMETRIC ? 'kms' : 'public-key' };
}

/**
 * The record files that arguments name: a record file, a folder (its
 * `*.kmssig.json` files), or a glob pattern (quoted, as CI files pass it).
 */
export function findRecordFiles(args: readonly string[], cwd: string): Promise<string[]> {
  return findFiles(args, { cwd, inFolder: '*.kmssig.json' });
}

/** Reads PEM public keys given on the command line; a bad file is a usage error (exit 2). */
export async function readPublicKeyFiles(paths: readonly string[]): Promise<KeyObject[]> {
  return Promise.all(
    paths.map(async (path) => {
      try {
        return createPublicKey(await readFile(path, 'utf8'));
      } catch (error) {
        const err = error as NodeJS.ErrnoException;
        throw new KmssigError('INPUT', messages.badPublicKeyFile(path, err.code === 'ENOENT' ? 'no such file' : err.message), {
          cause: error,
        });
      }
    }),
  );
}
