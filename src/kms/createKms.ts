import { createAwsKms, type AwsKmsOptions } from './awsKms.js';
import type { KeyManagement } from './keyManagement.js';
import { createLocalKms, isLocalCiphertext, isLocalKeyId } from './localKey.js';

export interface KmsOptions extends AwsKmsOptions {
  /** Folder that relative `local:` key paths are resolved against. */
  baseDir: string;
}

/**
 * The KeyManagement kmssig uses: `local:` key IDs go to the embedded key,
 * everything else to AWS KMS. DescribeKey answers are cached for the run.
 */
export function createKms(options: KmsOptions): KeyManagement {
  const local = createLocalKms(options.baseDir);
  let aws: KeyManagement | undefined;
  const remote = () => (aws ??= createAwsKms(options));
  const pick = (keyId: string | undefined, blob?: Uint8Array) =>
    isLocalKeyId(keyId) || (keyId === undefined && blob !== undefined && isLocalCiphertext(blob)) ? local : remote();
  const described = new Map<string, ReturnType<KeyManagement['describeKey']>>();

  return {
    describeKey(keyId) {
      let info = described.get(keyId);
      if (!info) {
        info = pick(keyId).describeKey(keyId);
        info.catch(() => described.delete(keyId));
        described.set(keyId, info);
      }
      return info;
    },
    encrypt: (keyId, plaintext, context) => pick(keyId).encrypt(keyId, plaintext, context),
    decrypt: (ciphertext, context, keyId) => pick(keyId, ciphertext).decrypt(ciphertext, context, keyId),
    sign: (keyId, message, algorithm) => pick(keyId).sign(keyId, message, algorithm),
    getPublicKey: (keyId) => pick(keyId).getPublicKey(keyId),
  };
}
