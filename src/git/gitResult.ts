/** What one git process left behind, byte for byte, whichever engine ran it. */
export interface GitResult {
  code: number;
  stdout: Buffer;
  stderr: Buffer;
}

/** One git call: arguments, standard input (always closed, empty when not given), the environment it runs with. */
export interface GitCall {
  cwd: string;
  env: NodeJS.ProcessEnv;
  args: string[];
  input?: string | Uint8Array;
  /**
   * git talks to a remote (push, fetch): ssh or a credential helper it starts
   * may keep its output open after git exited, so the call ends at git's exit.
   * Otherwise it ends when git's output closes.
   */
  remote?: boolean;
}

/** Runs one git process to its end; rejects only when git could not be started at all. */
export type GitEngine = (call: GitCall) => Promise<GitResult>;

/** Lines of a git process's output as they come; stopping early (break, return) ends the process. */
export type GitLineEngine = (call: GitCall) => AsyncGenerator<string, void, undefined>;
