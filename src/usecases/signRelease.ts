import { SYMMETRIC, defaultAlgorithm, type Algorithm } from '../core/algorithms.js';
import { stripUserInfo, type Context } from '../core/context.js';
import { payloadDigest, payloadOf, serializeRecord, type SignatureRecord, type UnsignedRecord } from '../core/record.js';
import { KmssigError } from '../errors.js';
import { addNoteLines } from '../git/notes.js';
import type { KeyInfo } from '../kms/keyManagement.js';
import { messages } from '../messages.js';
import { treeFiles } from './releaseFiles.js';
import type { Session } from './session.js';

/** The ref a record is signed for: a branch or a tag, by full name. */
export type SignRef = { kind: 'branch' | 'tag'; name: string };

export function parseRef(fullRef: string): SignRef | undefined {
  if (fullRef.startsWith('refs/heads/')) return { kind: 'branch', name: fullRef.slice('refs/heads/'.length) };
  if (fullRef.startsWith('refs/tags/')) return { kind: 'tag', name: fullRef.slice('refs/tags/'.length) };
  return undefined;
}

export interface SignTarget {
  commit: string;
  ref: SignRef;
}

export interface SignOutcome {
  commit: string;
  record: SignatureRecord;
  /** False when an identical, already verified record was there: nothing was signed. */
  signed: boolean;
}

export interface SignOptions {
  /** The remote URL, for `git.remote: true` (user-info is stripped). */
  remoteUrl?: string;
  now?: () => Date;
}

/**
 * Signs the listed files of each commit's tree into one record per commit:
 * one Encrypt (or Sign) call per record, one DescribeKey per run. Records go
 * to refs/notes/kmssig; an identical verified record is never signed twice.
 */
export async function signRelease(session: Session, targets: SignTarget[], options: SignOptions = {}): Promise<SignOutcome[]> {
  const { config } = session.loaded;
  if (!config.keyId) throw new KmssigError('CONFIG', messages.noKeyId(session.loaded.path));
  const key = await session.kms.describeKey(config.keyId);
  const alg = algorithmFor(key, config.algorithm);
  const authors = await session.repo.authors(targets.map((t) => t.commit));
  const existing = await session.notes.records(targets.map((t) => t.commit));
  const outcomes: SignOutcome[] = [];

  for (const { commit, ref } of targets) {
    const { digests } = await treeFiles(session.repo, commit, session.selection, session.digestCache);
    if (digests.size === 0) throw new KmssigError('CONFIG', messages.noFilesMatched(session.loaded.path, commit));
    const context: Context = { ...config.context, commit };
    if (config.git.branch) context[ref.kind] = ref.name;
    if (config.git.author) context.author = authors.get(commit) ?? '';
    if (config.git.remote && options.remoteUrl) context.remote = stripUserInfo(options.remoteUrl);
    const unsigned: UnsignedRecord = { v: 1, alg, keyId: key.arn, context, files: Object.fromEntries(digests) };

    const payload = payloadOf(unsigned).toString('utf8');
    const same = (existing.get(commit) ?? []).find((p) => p.ok && payloadOf(p.record).toString('utf8') === payload);
    if (same?.ok && (await session.verifier.verify(same.record, same.line)).valid) {
      outcomes.push({ commit, record: same.record, signed: false });
      continue;
    }
    const digest = payloadDigest(unsigned);
    const signature =
      alg === SYMMETRIC
        ? (await session.kms.encrypt(key.arn, digest, context)).ciphertext
        : (await session.kms.sign(key.arn, digest, alg)).signature;
    const record: SignatureRecord = { ...unsigned, sig: Buffer.from(signature).toString('base64'), signedAt: isoSeconds(options.now?.() ?? new Date()) };
    await addNoteLines(session.repo, commit, [serializeRecord(record)]);
    outcomes.push({ commit, record, signed: true });
  }
  return outcomes;
}

/** The record's `alg` for a key: SYMMETRIC_DEFAULT for a symmetric key, else the configured or default signing algorithm (DESIGN 2.2). */
export function algorithmFor(key: KeyInfo, configured: string | undefined): Algorithm {
  if (key.usage !== 'SIGN_VERIFY') {
    // An asymmetric encryption key (RSA with ENCRYPT_DECRYPT) or an HMAC key cannot make either kind of record.
    if (key.spec !== 'SYMMETRIC_DEFAULT') throw new KmssigError('CONFIG', messages.keyCannotSign(key.arn, key.spec, key.usage));
    if (configured) throw new KmssigError('CONFIG', messages.algorithmForSymmetricKey(configured, key.arn));
    return SYMMETRIC;
  }
  const alg = (configured ?? defaultAlgorithm(key.spec)) as Algorithm | undefined;
  if (!alg || (key.signingAlgorithms.length > 0 && !key.signingAlgorithms.includes(alg))) {
    throw new KmssigError('CONFIG', messages.unsupportedAlgorithm(alg ?? '(none)', key.arn, key.signingAlgorithms));
  }
  return alg;
}

const isoSeconds = (date: Date) => date.toISOString().replace(/\.\d{3}Z$/, 'Z');
