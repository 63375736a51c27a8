/** The `alg` values a record may carry (DESIGN 2.2). */
export const SYMMETRIC = 'SYMMETRIC_DEFAULT';

export const SIGNING_ALGORITHMS = [
  'ECDSA_SHA_256',
  'ECDSA_SHA_384',
  'ECDSA_SHA_512',
  'RSASSA_PSS_SHA_256',
  'RSASSA_PSS_SHA_384',
  'RSASSA_PSS_SHA_512',
] as const;

export type SigningAlgorithm = (typeof SIGNING_ALGORITHMS)[number];
export type Algorithm = typeof SYMMETRIC | SigningAlgorithm;

export function isAlgorithm(value: unknown): value is Algorithm {
  return value === SYMMETRIC || (SIGNING_ALGORITHMS as readonly unknown[]).includes(value);
}

/** Defaults when the configuration names no algorithm: never PKCS#1 v1.5. */
export function defaultAlgorithm(keySpec: string): SigningAlgorithm | undefined {
  if (keySpec === 'ECC_NIST_P256') return 'ECDSA_SHA_256';
  if (keySpec === 'ECC_NIST_P384') return 'ECDSA_SHA_384';
  if (keySpec === 'ECC_NIST_P521') return 'ECDSA_SHA_512';
  if (keySpec.startsWith('RSA_')) return 'RSASSA_PSS_SHA_256';
  return undefined;
}
