/**
 * Typed errors. Every failure the library raises is a KmssigError whose code
 * maps to one process exit code (DESIGN 3.3); only the CLI turns it into one.
 */
import type { Message } from './messages.js';

export type ErrorCode =
  | 'INVALID' // a signature or record does not verify, a file does not match
  | 'USAGE' // bad arguments or unknown command
  | 'CONFIG' // missing or invalid configuration
  | 'INPUT' // a file that cannot be read, a malformed value given by the user
  | 'NOT_A_REPO' // not inside a git repository
  | 'KMS' // KMS unreachable, access denied, unknown key, credentials, timeout
  | 'GIT' // a git command failed
  | 'HISTORY' // the history walk hit its bound or a shallow boundary
  | 'FLOODED' // the notes hold more records that fail than a run verifies (DESIGN 3.4, rule 8)
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
  FLOODED: ExitCode.UNAVAILABLE,
  INTERNAL: ExitCode.UNAVAILABLE,
};

export class KmssigError extends Error {
  readonly code: ErrorCode;
  /** What the error says, line by line with their levels; `message` is their bare text. */
  readonly lines: readonly Message[];
  /**
   * Given as a plain string: a reason that a caller puts after what failed
   * (`could not sign <file>: <reason>`); shown alone, it is an error line.
   */
  readonly reason: boolean;
  /** The message already names kmssig and says what to do: a hook shows it as it is instead of wrapping it. */
  readonly final: boolean;
  constructor(code: ErrorCode, message: string | Message | readonly Message[], options?: { cause?: unknown; final?: boolean }) {
    const lines: readonly Message[] =
      typeof message === 'string' ? [{ level: 'plain', text: message }] : 'text' in message ? [message] : message;
    super(lines.map((l) => l.text).join('\n'), options);
    this.name = 'KmssigError';
    this.code = code;
    this.lines = lines;
    this.reason = typeof message === 'string';
    this.final = options?.final === true;
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

/** An error as it is shown when a run stops on it: a bare reason becomes an error line of its own. */
export function errorLines(error: unknown): Message | readonly Message[] {
  if (!(error instanceof KmssigError)) return { level: 'error', text: error instanceof Error ? error.message : String(error) };
  return error.reason ? { level: 'error', text: error.message } : error.lines;
}
