import { constants, createPublicKey, verify as cryptoVerify, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { SYMMETRIC } from '../core/algorithms.js';
import type { Policy } from '../core/policy.js';
import { payloadDigest, type SignatureRecord } from '../core/record.js';
import { KmssigError } from '../errors.js';
import type { KeyManagement } from '../kms/keyManagement.js';
import { isLocalKeyId } from '../kms/localKey.js';
import { messages } from '../messages.js';
import type { LineCache } from '../cache/lineCache.js';
import { verifyDigest } from './verifyFile.js';

export type Verdict = { valid: true } | { valid: false; reason: string };

/** Decides whether a record's signature is genuine; throws only when no decision can be made (exit 3). */
export interface RecordVerifier {
  verify(record: SignatureRecord, line: string): Promise<Verdict>;
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
}

export function createRecordVerifier({ kms, policy, publicKeys, cache, localKeyProblem }: VerifierOptions): RecordVerifier {
  const localProblem =
    localKeyProblem ?? (async (keyId: string) => (policy.keys.includes(keyId) ? undefined : messages.localKeyNotPinned(keyId)));
  return {
    async remember(record, line) {
      if (record.alg === SYMMETRIC && !isLocalKeyId(record.keyId)) await cache.add(`sym\0${line}`);
    },
    async verify(record, line) {
      if (record.alg === SYMMETRIC) {
        if (isLocalKeyId(record.keyId)) {
          const problem = await localProblem(record.keyId);
          if (problem) return { valid: false, reason: problem };
        }
        // With public keys pinned, a symmetric record must not slip past the
        // pin by claiming SYMMETRIC_DEFAULT: its key must be allowed by name.
        if (publicKeys.length > 0 && !policy.keys.includes(record.keyId)) {
          return { valid: false, reason: 'symmetric record, but this repository pins public keys' };
        }
        const cacheKey = `sym\0${line}`;
        if (await cache.has(cacheKey)) return { valid: true };
        let signer: string;
        try {
          ({ keyId: signer } = await verifyDigest({
            kms,
            digest: payloadDigest(record),
            signature: Buffer.from(record.sig, 'base64'),
            context: record.context,
            keys: [record.keyId],
          }));
        } catch (error) {
          if (error instanceof KmssigError && error.code === 'INVALID') return { valid: false, reason: error.message };
          throw error;
        }
        // DESIGN 2.2: the key ARN KMS returns must be the record's keyId (an alias
        // names whatever key it points at today, not the key that signed).
        if (signer !== record.keyId) return { valid: false, reason: `keyId is not the key that made the signature (${signer})` };
        await cache.add(cacheKey);
        return { valid: true };
      }
      if (publicKeys.length === 0)
        return {
          valid: false,
          reason: 'asymmetric record, but no public key is pinned (pass --public-key, or pin verify.publicKeys with kmssig trust)',
        };
      const message = payloadDigest(record);
      const signature = Buffer.from(record.sig, 'base64');
      return publicKeys.some((key) => verifyAsymmetric(record.alg, key, message, signature))
        ? { valid: true }
        : { valid: false, reason: 'the signature does not verify with any pinned public key' };
    },
  };
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
