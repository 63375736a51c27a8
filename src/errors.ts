/**
 * Typed errors. Every failure the library raises is a KmssigError whose code
 * maps to one process exit code (DESIGN 3.3); only the CLI turns it into one.
 */
export type ErrorCode =
  | 'INVALID' // a signature or record does not verify, a file does not match
  | 'USAGE' // bad arguments or unknown command
  | 'CONFIG' // missing or invalid configuration
  | 'INPUT' // a file that cannot be read, a malformed value given by the user
  | 'NOT_A_REPO' // not inside a git repository
  | 'KMS' // KMS unreachable, access denied, unknown key, credentials, timeout
  | 'GIT' // a git command failed
  | 'HISTORY' // the history walk hit its bound or a shallow boundary
  | 'INTERNAL';

export const ExitCode = { OK: 0, INVALID: 1, USAGE: 2, UNAVAILABLE: 3 } as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

const exitCodes: Record<ErrorCode, ExitCodeValue> = {
  INVALID: ExitCode.INVALID,
  USAGE: ExitCode.USAGE,
  CONFIG: ExitCode.USAGE,
  INPUT: ExitCode.USAGE,
  NOT_A_REPO: ExitCode.USAGE,
  KMS: ExitCode.UNAVAILABLE,
  GIT: ExitCode.UNAVAILABLE,
  HISTORY: ExitCode.UNAVAILABLE,
  INTERNAL: ExitCode.UNAVAILABLE,
};

export class KmssigError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'KmssigError';
    this.code = code;
  }
  get exitCode(): ExitCodeValue {
    return exitCodes[this.code];
  }
}

export function exitCodeOf(error: unknown): ExitCodeValue {
  return error instanceof KmssigError ? error.exitCode : ExitCode.UNAVAILABLE;
}

export function isKmssigError(error: unknown, code?: ErrorCode): error is KmssigError {
  return error instanceof KmssigError && (code === undefined || error.code === code);
}
