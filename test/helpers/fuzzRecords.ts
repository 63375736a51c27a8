import { generateKeyPairSync, sign as cryptoSign, type KeyObject } from 'node:crypto';
import { join } from 'node:path';
import canonicalize from 'canonicalize';
import fc from 'fast-check';
import { noCache } from '../../src/cache/lineCache.js';
import { policyProblem, type Policy } from '../../src/core/policy.js';
import { parseRecord, payloadDigest, serializeRecord, type SignatureRecord, type UnsignedRecord } from '../../src/core/record.js';
import { KmssigError } from '../../src/errors.js';
import { createLocalKey, createLocalKms } from '../../src/kms/localKey.js';
import { createRecordVerifier, type RecordVerifier } from '../../src/usecases/verifyRecord.js';
import { tempDir } from './git.js';

/**
 * The pieces of the fuzz tests (issue 8): arbitraries of valid records, a
 * local key that really does AES-256-GCM with the context as associated data
 * (the KMS Encrypt/Decrypt contract) and an ECDSA key pair, verifiers built
 * the way a session builds them, and the decision a reader makes about a line.
 */
type Rec = Record<string, any>;

export const ASYM_KEY = 'arn:aws:kms:us-east-1:111122223333:key/00000000-0000-0000-0000-00000000ec01';
export const REPO = 'acme/app';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
export const digestArb = fc.uint8Array({ minLength: 64, maxLength: 64 }).map(hex);
export const commitArb = fc.uint8Array({ minLength: 20, maxLength: 20 }).map(hex);
const segment = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 6 }).filter((s) => !s.includes('/') && s !== '.' && s !== '..');
export const pathArb = fc.array(segment, { minLength: 1, maxLength: 3 }).map((parts) => parts.join('/'));
export const filesArb = fc.dictionary(pathArb, digestArb, { minKeys: 1, maxKeys: 4 });
const contextKey = fc
  .string({ minLength: 1, maxLength: 6 })
  .filter((k) => !/^aws/i.test(k) && !['commit', 'branch', 'tag', 'author', 'repo'].includes(k));

/** The signed part of a valid record for `commit` (symmetric or ECDSA). */
export const unsignedArb = (alg: 'SYMMETRIC_DEFAULT' | 'ECDSA_SHA_256', keyId: string) =>
  fc
    .record({
      commit: commitArb,
      branch: fc.constantFrom('main', 'release/1.2'),
      author: fc.string({ unit: 'grapheme', maxLength: 12 }).map((n) => `${n} <a@example.com>`),
      extra: fc.dictionary(contextKey, fc.string({ maxLength: 8 }), { maxKeys: 2 }),
      files: filesArb,
    })
    .map(({ commit, branch, author, extra, files }): UnsignedRecord => ({
      v: 1,
      alg,
      keyId,
      context: { ...extra, commit, branch, author, repo: REPO },
      files,
    }));

export interface FuzzKeys {
  localKeyId: string;
  kms: ReturnType<typeof createLocalKms>;
  ecPrivate: KeyObject;
  ecPublic: KeyObject;
  cleanup(): void;
}

export async function fuzzKeys(): Promise<FuzzKeys> {
  const dir = tempDir('kmssig-fuzz-');
  await createLocalKey(join(dir.path, 'fuzz.key'));
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return {
    localKeyId: `local:${join(dir.path, 'fuzz.key')}`,
    kms: createLocalKms(dir.path),
    ecPrivate: privateKey,
    ecPublic: publicKey,
    cleanup: dir.cleanup,
  };
}

/** Signs as kmssig does: Encrypt of P with the context (local key), or ECDSA over the 64 bytes P. */
export async function signRecord(keys: FuzzKeys, unsigned: UnsignedRecord): Promise<SignatureRecord> {
  const p = payloadDigest(unsigned);
  const sig =
    unsigned.alg === 'SYMMETRIC_DEFAULT'
      ? (await keys.kms.encrypt(unsigned.keyId, p, unsigned.context)).ciphertext
      : cryptoSign('sha256', p, keys.ecPrivate);
  return { ...unsigned, sig: Buffer.from(sig).toString('base64'), signedAt: '2026-11-28T12:00:00Z' };
}

export interface Reader {
  name: string;
  policy: Policy;
  verifier: RecordVerifier;
}

/** The readers a mutated record faces: pinned and open policies, with and without public keys. */
export function readers(keys: FuzzKeys): Reader[] {
  const pinned: Policy = {
    keys: [keys.localKeyId, ASYM_KEY],
    refs: ['main', 'release/*'],
    context: { repo: REPO },
    requireContext: ['author'],
  };
  const open: Policy = { keys: [], refs: [], context: { repo: REPO }, requireContext: [] };
  const trustAll = async () => undefined;
  return [
    {
      name: 'pinned',
      policy: pinned,
      verifier: createRecordVerifier({ kms: keys.kms, policy: pinned, publicKeys: [keys.ecPublic], cache: noCache }),
    },
    {
      name: 'open, local key registered',
      policy: open,
      verifier: createRecordVerifier({ kms: keys.kms, policy: open, publicKeys: [], cache: noCache, localKeyProblem: trustAll }),
    },
    {
      name: 'open, public key pinned',
      policy: open,
      verifier: createRecordVerifier({
        kms: keys.kms,
        policy: open,
        publicKeys: [keys.ecPublic],
        cache: noCache,
        localKeyProblem: trustAll,
      }),
    },
  ];
}

export type Decision = 'accepted' | 'rejected' | 'undecided';

/**
 * What a reader makes of one note line on `commit`: parse, policy, signature.
 * 'undecided' is a KmssigError from the verifier (exit 2/3, never a pass);
 * anything else thrown is a crash and propagates.
 */
export async function decide(line: string, commit: string, reader: Reader): Promise<{ decision: Decision; record?: SignatureRecord }> {
  const parsed = parseRecord(line);
  if (!parsed.ok) return { decision: 'rejected' };
  if (policyProblem(parsed.record, reader.policy, commit) !== undefined) return { decision: 'rejected', record: parsed.record };
  try {
    const verdict = await reader.verifier.verify(parsed.record, parsed.line);
    return { decision: verdict.valid ? 'accepted' : 'rejected', record: parsed.record };
  } catch (error) {
    if (error instanceof KmssigError) return { decision: 'undecided', record: parsed.record };
    throw error;
  }
}

/** The same signed part and the same signature text (signedAt and JSON spelling may differ). */
export function sameSigned(a: Rec, b: Rec): boolean {
  const pick = (r: Rec) => canonicalize({ v: r.v, alg: r.alg, keyId: r.keyId, context: r.context, files: r.files, sig: r.sig });
  return pick(a) === pick(b);
}

const weird = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.constantFrom('', ' ', '1', 'SYMMETRIC_DEFAULT', 'ECDSA_SHA_384', 'local:fuzz.key', '__proto__', '../x', '/etc/passwd', 'a\u0000b'),
);
const anyKey = fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom('__proto__', 'constructor', 'toString', 'awsKey', 'v', 'sig'));

/** One edit of a parsed record (a JSON value): every field, every context pair and path, the signature bytes. */
export const recordEditArb: fc.Arbitrary<{ name: string; apply: (r: Rec) => void }> = fc.oneof(
  fc.tuple(fc.constantFrom('v', 'alg', 'keyId', 'context', 'files', 'sig', 'signedAt'), weird).map(([field, value]) => ({
    name: `set ${field} = ${JSON.stringify(value)}`,
    apply: (r: Rec) => void (r[field] = value),
  })),
  fc
    .constantFrom('v', 'alg', 'keyId', 'context', 'files', 'sig')
    .map((field) => ({ name: `delete ${field}`, apply: (r: Rec) => void delete r[field] })),
  fc.tuple(anyKey, weird).map(([key, value]) => ({
    name: `add field ${key}`,
    apply: (r: Rec) => void Object.defineProperty(r, key, { value, enumerable: true, configurable: true, writable: true }),
  })),
  fc.tuple(fc.nat(), fc.oneof(fc.string({ maxLength: 8 }), weird)).map(([i, value]) => ({
    name: `context pair #${i} = ${JSON.stringify(value)}`,
    apply: (r: Rec) => {
      const keys = Object.keys(r.context);
      r.context[keys[i % keys.length]!] = value;
    },
  })),
  fc.nat().map((i) => ({
    name: `delete context pair #${i}`,
    apply: (r: Rec) => void delete r.context[Object.keys(r.context)[i % Object.keys(r.context).length]!],
  })),
  fc.tuple(anyKey, fc.string({ maxLength: 8 })).map(([key, value]) => ({
    name: `add context ${key}`,
    apply: (r: Rec) => void Object.defineProperty(r.context, key, { value, enumerable: true, configurable: true, writable: true }),
  })),
  fc.tuple(fc.nat(), digestArb).map(([i, digest]) => ({
    name: `digest #${i} changed`,
    apply: (r: Rec) => void (r.files[Object.keys(r.files)[i % Object.keys(r.files).length]!] = digest),
  })),
  fc.tuple(pathArb, digestArb).map(([path, digest]) => ({ name: `path ${path} added`, apply: (r: Rec) => void (r.files[path] = digest) })),
  fc.nat().map((i) => ({
    name: `path #${i} removed`,
    apply: (r: Rec) => void delete r.files[Object.keys(r.files)[i % Object.keys(r.files).length]!],
  })),
  fc.tuple(fc.nat(), fc.oneof(pathArb, fc.constantFrom('./a', 'a//b', '../a', '/a', 'a/', 'a\u0000'))).map(([i, to]) => ({
    name: `path #${i} renamed to ${JSON.stringify(to)}`,
    apply: (r: Rec) => {
      const from = Object.keys(r.files)[i % Object.keys(r.files).length]!;
      const digest = r.files[from];
      delete r.files[from];
      r.files[to] = digest;
    },
  })),
  fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })).map(([at, mask]) => ({
    name: `sig byte #${at} ^ ${mask}`,
    apply: (r: Rec) => {
      const bytes = Buffer.from(r.sig, 'base64');
      bytes[at % bytes.length]! ^= mask;
      r.sig = bytes.toString('base64');
    },
  })),
  fc.nat().map((n) => ({
    name: `sig truncated by ${n + 1}`,
    apply: (r: Rec) =>
      void (r.sig = Buffer.from(r.sig, 'base64')
        .subarray(0, -(n + 1))
        .toString('base64')),
  })),
  fc.uint8Array({ maxLength: 8 }).map((extra) => ({
    name: 'sig extended',
    apply: (r: Rec) => void (r.sig = Buffer.concat([Buffer.from(r.sig, 'base64'), extra]).toString('base64')),
  })),
  fc.constant({
    name: 'sig doubled',
    apply: (r: Rec) => void (r.sig = Buffer.concat([Buffer.from(r.sig, 'base64'), Buffer.from(r.sig, 'base64')]).toString('base64')),
  }),
);

/** One text edit of a serialized line: delete, insert, replace, duplicate or cut. */
export const lineEditArb = fc
  .tuple(
    fc.constantFrom('delete', 'insert', 'replace', 'duplicate', 'cut'),
    fc.nat(),
    fc.nat(40),
    fc.string({ unit: 'binary-ascii', maxLength: 4 }),
  )
  .map(([kind, at, length, text]) => (line: string) => {
    const i = at % (line.length + 1);
    if (kind === 'delete') return line.slice(0, i) + line.slice(i + 1 + (length % 3));
    if (kind === 'insert') return line.slice(0, i) + text + line.slice(i);
    if (kind === 'replace') return line.slice(0, i) + text + line.slice(i + text.length);
    if (kind === 'duplicate') return line.slice(0, i) + line.slice(i, i + length) + line.slice(i);
    return line.slice(0, i);
  });

export { serializeRecord };
