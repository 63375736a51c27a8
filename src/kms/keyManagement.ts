import type { Context } from '../core/context.js';
import type { KmsFailureKind } from '../messages.js';
import { KmssigError } from '../errors.js';

/** What kmssig needs to know about a key (DescribeKey). */
export interface KeyInfo {
  arn: string;
  spec: string; // SYMMETRIC_DEFAULT, ECC_NIST_P256, RSA_3072, ...
  usage: string; // ENCRYPT_DECRYPT or SIGN_VERIFY
  signingAlgorithms: string[];
}

/**
 * The KMS operations kmssig uses, like the seed's `KeyManagement` interface.
 * Implementations: AWS KMS (awsKms.ts) and the local development key (localKey.ts).
 */
export interface KeyManagement {
  describeKey(keyId: string): Promise<KeyInfo>;
  encrypt(keyId: string, plaintext: Uint8Array, context: Context): Promise<{ ciphertext: Uint8Array; keyId: string }>;
  decrypt(ciphertext: Uint8Array, context: Context, keyId?: string): Promise<{ plaintext: Uint8Array; keyId: string }>;
  sign(keyId: string, message: Uint8Array, algorithm: string): Promise<{ signature: Uint8Array; keyId: string }>;
  /** The public key (DER SPKI) of an asymmetric key, with its ARN, spec and usage (SIGN_VERIFY for signing keys). */
  getPublicKey(keyId: string): Promise<{ der: Uint8Array; spec: string; usage: string; keyId: string }>;
}

export type { KmsFailureKind } from '../messages.js';

export class KmsError extends KmssigError {
  readonly kind: KmsFailureKind;
  constructor(kind: KmsFailureKind, message: string, options?: { cause?: unknown }) {
    super(kind === 'bad-ciphertext' || kind === 'wrong-key' ? 'INVALID' : 'KMS', message, options);
    this.name = 'KmsError';
    this.kind = kind;
  }
}
