import { constants, createPublicKey, verify as cryptoVerify, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { SYMMETRIC } from '../core/algorithms.js';
import type { Policy } from '../core/policy.js';
import { claimOf, payloadDigest, type SignatureRecord } from '../core/record.js';
import { KmssigError } from '../errors.js';
import { KmsError, type KeyManagement } from '../kms/keyManagement.js';
import { isLocalKeyId } from '../kms/localKey.js';
import { messages } from '../messages.js';
import type { LineCache } from '../cache/lineCache.js';
import { verifyDigest } from './verifyFile.js';

export type Verdict = { valid: true } | { valid: false; reason: string };

/** Decides whether a record's signature is genuine; throws only when no decision can be made (exit 3). */
export interface RecordVerifier {
  verify(record: SignatureRecord, line: string): Promise<Verdict>;
  /**
   * Why a record can never verify here whatever its signature, found without
   * any KMS call or crypto: its algorithm has no pinned key to check it with.
   * Optional; the walk drops such records as its notes stream (DESIGN 3.4, rule 8).
   */
  refuses?(record: Pick<SignatureRecord, 'alg' | 'keyId'>): string | undefined;
  /**
   * Notes a symmetric record this run has just made with KMS Encrypt (KMS
   * named the key that encrypted, and it is the record's keyId), so that
   * verifying it later in this clone costs no Decrypt. Optional.
   */
  remember?(record: SignatureRecord, line: string): Promise<void>;
}

export interface VerifierOptions {
  kms: KeyManagement;
  policy: Policy;
  /** Public keys pinned for asymmetric records (verify.publicKeys). */
  publicKeys: readonly KeyObject[];
  cache: LineCache;
  /**
   * Why a record signed with a local development key (`local:<path>`) must not
   * count, or undefined when its key file is trusted. Default: only a key the
   * caller pinned (policy.keys) is trusted, since anyone who can place a key
   * file where the verifier reads it can sign with it.
   */
  localKeyProblem?: (keyId: string) => Promise<string | undefined>;
  /** Records of a run that may fail with KMS before it stops with FLOODED (default MAX_KMS_FAILURES). */
  maxKmsFailures?: number;
}

/**
 * Records of one run whose check with KMS may fail (DESIGN 3.4, rule 8):
 * then the run stops with exit 3. Honest notes hold none (a record fails only
 * when it was tampered with); anyone who can push can add thousands, each a
 * KMS call, and a hook would spend its deadline on them and blame the network.
 */
export const MAX_KMS_FAILURES = 3;

// KMS refused the record itself (not the network, the credentials or a throttle): the record counts as failed.
const RECORD_FAULTS = new Set(['access-denied', 'not-found', 'key-state']);

export function createRecordVerifier({ kms, policy, publicKeys, cache, localKeyProblem, maxKmsFailures }: VerifierOptions): RecordVerifier {
  const localProblem =
    localKeyProblem ?? (async (keyId: string) => (policy.keys.includes(keyId) ? undefined : messages.localKeyNotPinned(keyId)));
  const budget = maxKmsFailures ?? MAX_KMS_FAILURES;
  let failures = 0;
  // Identical claims (signedAt and formatting aside) are verified once a run.
  const verdicts = new Map<string, Promise<Verdict>>();
  /** One KMS Decrypt of a record, counted against the run's budget when the record fails. */
  const withKms = async (record: SignatureRecord): Promise<Verdict> => {
    if (failures >= budget) throw new KmssigError('FLOODED', messages.kmsFailuresCapped(budget));
    try {
      const { keyId: signer } = await verifyDigest({
        kms,
        digest: payloadDigest(record),
        signature: Buffer.from(record.sig, 'base64'),
        context: record.context,
        keys: [record.keyId],
      });
      // DESIGN 2.2: the key ARN KMS returns must be the record's keyId (an alias
      // names whatever key it points at today, not the key that signed).
      if (signer === record.keyId) return { valid: true };
      failures++;
      return { valid: false, reason: `keyId is not the key that made the signature (${signer})` };
    } catch (error) {
      if (error instanceof KmssigError && error.code === 'INVALID') {
        failures++;
        return { valid: false, reason: error.message };
      }
      if (error instanceof KmsError && RECORD_FAULTS.has(error.kind)) failures++;
      throw error;
    }
  };
  // The algorithm against the pins: what this refuses costs nothing and never reaches KMS.
  const refuses = (record: Pick<SignatureRecord, 'alg' | 'keyId'>): string | undefined => {
    if (record.alg === SYMMETRIC) {
      // With public keys pinned, a symmetric record must not slip past the
      // pin by claiming SYMMETRIC_DEFAULT: its key must be allowed by name.
      return publicKeys.length > 0 && !policy.keys.includes(record.keyId)
        ? 'symmetric record, but this repository pins public keys'
        : undefined;
    }
    return publicKeys.length === 0
      ? 'asymmetric record, but no public key is pinned (pass --public-key, or pin verify.publicKeys with kmssig trust)'
      : undefined;
  };
  const verifier: RecordVerifier = {
    refuses,
    async remember(record, line) {
      if (record.alg === SYMMETRIC && !isLocalKeyId(record.keyId)) await cache.add(`sym\0${line}`);
    },
    verify(record, line) {
      const claim = claimOf(record);
      let verdict = verdicts.get(claim);
      if (!verdict) {
        verdict = verifyOnce(record, line);
        verdicts.set(claim, verdict);
        // An error is not a verdict: the same claim may be asked again (and then counts again).
        verdict.catch(() => verdicts.delete(claim));
      }
      return verdict;
    },
  };
  const verifyOnce = async (record: SignatureRecord, line: string): Promise<Verdict> => {
    const refused = refuses(record);
    if (refused) return { valid: false, reason: refused };
    if (record.alg === SYMMETRIC) {
      if (isLocalKeyId(record.keyId)) {
        const problem = await localProblem(record.keyId);
        if (problem) return { valid: false, reason: problem };
      }
      const cacheKey = `sym\0${line}`;
      if (await cache.has(cacheKey)) return { valid: true };
      const verdict = await withKms(record);
      if (verdict.valid) await cache.add(cacheKey);
      return verdict;
    }
    const message = payloadDigest(record);
    const signature = Buffer.from(record.sig, 'base64');
    return publicKeys.some((key) => verifyAsymmetric(record.alg, key, message, signature))
      ? { valid: true }
      : { valid: false, reason: 'the signature does not verify with any pinned public key' };
  };
  return verifier;
}

/** KMS Sign with MessageType=RAW over the 64 bytes P: standard signatures over P (DESIGN 2.2). */
export function verifyAsymmetric(alg: string, key: KeyObject, message: Buffer, signature: Buffer): boolean {
  const hash = `sha${alg.slice(-3)}`;
  try {
    if (alg.startsWith('ECDSA_')) return key.asymmetricKeyType === 'ec' && cryptoVerify(hash, message, key, signature);
    if (alg.startsWith('RSASSA_PSS_')) {
      // AWS salts with the digest length, emulators with the maximum: accept any valid salt length.
      return (
        key.asymmetricKeyType === 'rsa' &&
        cryptoVerify(
          hash,
          message,
          { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_AUTO },
          signature,
        )
      );
    }
  } catch {
    return false;
  }
  return false;
}

/** Reads the PEM public keys named by verify.publicKeys; a bad file is a configuration error. */
export async function loadPublicKeys(root: string, paths: readonly string[]): Promise<KeyObject[]> {
  return Promise.all(
    paths.map(async (path) => {
      try {
        return createPublicKey(await readFile(resolve(root, path), 'utf8'));
      } catch (error) {
        throw new KmssigError('CONFIG', messages.badPublicKey(path, (error as Error).message), { cause: error });
      }
    }),
  );
}
