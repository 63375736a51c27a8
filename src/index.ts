// The library API: re-exports only.
export { KmssigError, ExitCode, exitCodeOf, type ErrorCode } from './errors.js';
export { parseContextArgs, stripUserInfo, type Context } from './core/context.js';
export {
  payloadOf,
  payloadDigest,
  parseRecord,
  parseNote,
  serializeRecord,
  signedEntries,
  RECORD_VERSION,
  NOTE_MAX_BYTES,
  type SignatureRecord,
  type SignatureRecordV1,
  type SignatureRecordV2,
  type FileEntry,
  type FileMode,
  type UnsignedRecord,
  type ParsedRecord,
} from './core/record.js';
export { policyProblem, type Policy } from './core/policy.js';
export type { CheckReport, FileReport } from './core/report.js';
export type { FileState } from './core/compare.js';
export { hashFile, hashStream } from './fs/hashFile.js';
export { signDigest, signFile, type SignDigestOptions, type SignFileOptions } from './usecases/signFile.js';
export { verifyDigest, verifyFile, type VerifyDigestOptions, type VerifyFileOptions } from './usecases/verifyFile.js';
export { createKms, type KmsOptions } from './kms/createKms.js';
export { createAwsKms, type AwsKmsOptions } from './kms/awsKms.js';
export { createLocalKms, createLocalKey } from './kms/localKey.js';
export { KmsError, type KeyManagement, type KeyInfo, type KmsFailureKind } from './kms/keyManagement.js';
export { loadConfig, type LoadedConfig } from './config/loadConfig.js';
export type { Config } from './config/schema.js';
export { checkRevision, type CheckRevisionOptions } from './usecases/checkRevision.js';
