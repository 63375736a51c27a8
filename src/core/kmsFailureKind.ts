/**
 * Why a KMS call failed, independent of the provider's error names. It lives in
 * the core, not in src/kms, so that messages.ts can word each kind without
 * importing an edge (that import closed the cycle core → messages → kms → core).
 */
export type KmsFailureKind =
  | 'bad-ciphertext' // exit 1: the blob or the context does not match
  | 'wrong-key' // exit 1: the signature is from another key than the pinned one
  | 'access-denied'
  | 'not-found'
  | 'unreachable'
  | 'credentials'
  | 'throttled'
  | 'key-state'
  | 'other';
