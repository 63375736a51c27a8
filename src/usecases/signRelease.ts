import { SYMMETRIC, defaultAlgorithm, type Algorithm } from '../core/algorithms.js';
import { stripUserInfo, type Context } from '../core/context.js';
import { sha512 } from '../core/digest.js';
import { policyProblem } from '../core/policy.js';
import { payloadOf, RECORD_VERSION, type FileEntry, serializeRecord, type SignatureRecord, type UnsignedRecord } from '../core/record.js';
import { KmssigError } from '../errors.js';
import { addNoteLines } from '../git/notes.js';
import type { KeyInfo } from '../kms/keyManagement.js';
import { LOCAL_PREFIX } from '../kms/localKey.js';
import { messages } from '../messages.js';
import { assertCoverable, treeFiles } from './releaseFiles.js';
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
  /**
   * An older commit of a pushed range, not its tip: signed with the files it
   * has, even when a pattern matches nothing there or a submodule is listed
   * (`check` of that commit still reports both). Default: refused, exit 2.
   */
  inRange?: boolean;
}

export interface SignOutcome {
  commit: string;
  record: SignatureRecord;
  /** False when an identical, already verified record was there: nothing was signed. */
  signed: boolean;
  /** For an older commit of a range: listed submodules and empty patterns it was signed without. */
  notCovered?: { submodules: string[]; emptyPatterns: string[] };
}

export interface SignOptions {
  /** The remote URL, for `git.remote: true` (user-info is stripped). */
  remoteUrl?: string;
  now?: () => Date;
}

/**
 * Signs the listed files of each commit's tree into one record per commit:
 * one Encrypt (or Sign) call per record, at most one DescribeKey per run (none
 * when nothing needs signing). Records go to refs/notes/kmssig; a commit that
 * already has a valid record with the same files and context is never signed
 * twice.
 */
export async function signRelease(session: Session, targets: SignTarget[], options: SignOptions = {}): Promise<SignOutcome[]> {
  // A key is looked up (loading the AWS SDK) only when something must be
  // signed, and then while the files are hashed; once per key ID a run.
  const described = new Map<string, Promise<KeyInfo>>();
  const describe = (keyId: string) => {
    let info = described.get(keyId);
    if (!info) {
      described.set(keyId, (info = session.kms.describeKey(keyId)));
      info.catch(() => {}); // awaited where it is needed; an early failure must not go unhandled
    }
    return info;
  };
  const [authors, existing] = await Promise.all([
    session.repo.authors(targets.map((t) => t.commit)),
    session.notes.records(targets.map((t) => t.commit)),
  ]);
  const outcomes: SignOutcome[] = [];

  for (const { commit, ref, inRange } of targets) {
    // Each commit is signed under its own configuration (DESIGN 3.4, rule 2); one without any has nothing to sign.
    const loaded = await session.configAt(commit);
    if (!loaded) continue;
    const { config } = loaded;
    const keyId = config.keyId;
    if (!keyId) throw new KmssigError('CONFIG', messages.noKeyId(loaded.path));
    const selection = (await session.selectionAt(commit))!;
    // Records that may already say what would be signed: the configured key, and counting under the policy.
    const at = await session.policyAt(commit);
    const candidates = (existing.get(commit) ?? []).filter(
      (p) => p.ok && keyMayBe(keyId, p.record.keyId) && 'policy' in at && !policyProblem(p.record, at.policy, commit),
    );
    if (candidates.length === 0) void describe(keyId); // it will be needed: look the key up while hashing
    const listing = treeFiles(session.repo, commit, selection, session.digestCache);
    const context: Context = { ...config.context, commit };
    if (config.git.branch) context[ref.kind] = ref.name;
    if (config.git.author) context.author = authors.get(commit) ?? '';
    if (config.git.remote && options.remoteUrl) context.remote = stripUserInfo(options.remoteUrl);
    const listed = await listing;
    const { entries } = listed;
    // An older commit of a pushed range may predate its files: only what the user names must be fully covered.
    if (!inRange) assertCoverable(listed, loaded.path, commit);
    const { submodules, emptyPatterns } = listed;
    const notCovered = submodules.length + emptyPatterns.length > 0 ? { submodules, emptyPatterns } : undefined;
    if (entries.size === 0) throw new KmssigError('CONFIG', messages.noFilesMatched(loaded.path, commit));

    // A valid record that already says the same (these files with their
    // modes, this context, a key the configured key ID can name, allowed by
    // the policy): nothing to sign, and no KMS call when its verification is
    // cached. A version-1 record never says the same: it is signed again as version 2.
    const files: Record<string, FileEntry> = Object.fromEntries(entries);
    const same = candidates.filter(
      (p) =>
        p.ok &&
        (!config.algorithm || p.record.alg === config.algorithm) &&
        payloadOf(p.record).equals(payloadOf({ v: RECORD_VERSION, alg: p.record.alg, keyId: p.record.keyId, context, files })),
    );
    let already: SignatureRecord | undefined;
    for (const p of same) {
      if (p.ok && (await session.verifier.verify(p.record, p.line)).valid) {
        already = p.record;
        break;
      }
    }
    if (already) {
      outcomes.push({ commit, record: already, signed: false, notCovered });
      continue;
    }

    const key = await describe(keyId);
    const alg = algorithmFor(key, config.algorithm);
    const unsigned: UnsignedRecord = { v: RECORD_VERSION, alg, keyId: key.arn, context, files };
    const digest = sha512(payloadOf(unsigned));
    let signature: Uint8Array;
    let encryptedBy: string | undefined;
    if (alg === SYMMETRIC) ({ ciphertext: signature, keyId: encryptedBy } = await session.kms.encrypt(key.arn, digest, context));
    else ({ signature } = await session.kms.sign(key.arn, digest, alg));
    const record: SignatureRecord = {
      ...unsigned,
      sig: Buffer.from(signature).toString('base64'),
      signedAt: isoSeconds(options.now?.() ?? new Date()),
    };
    const line = serializeRecord(record);
    await addNoteLines(session.repo, commit, [line]);
    // KMS said which key encrypted: the record is genuine, and checking it again in this clone needs no Decrypt.
    if (encryptedBy === key.arn) await session.verifier.remember?.(record, line);
    outcomes.push({ commit, record, signed: true, notCovered });
  }
  return outcomes;
}

/**
 * Whether a record's key ARN can be the key the configuration names: the same
 * ID or ARN, the ARN of a bare key ID, or any key for an alias (which key an
 * alias names is known only to KMS; a record that verifies under the policy
 * is one that verifiers accept).
 */
export function keyMayBe(configured: string, recordKeyId: string): boolean {
  if (configured === recordKeyId) return true;
  if (configured.startsWith(LOCAL_PREFIX)) return false;
  if (/^alias\//.test(configured) || /^arn:[^:]+:kms:[^:]*:[^:]*:alias\//.test(configured))
    return /^arn:[^:]+:kms:[^:]*:[^:]*:key\//.test(recordKeyId);
  if (configured.startsWith('arn:')) return false;
  return recordKeyId.startsWith('arn:') && recordKeyId.endsWith(`:key/${configured}`);
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
