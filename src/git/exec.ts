import type { ChildProcess } from 'node:child_process';
import { redactUserInfo } from '../core/context.js';
import { KmssigError } from '../errors.js';
import { runDirect, spawnDirect } from './directEngine.js';
import type { GitEngine, GitResult } from './gitResult.js';
import { linesClient, runClient } from './simpleGitEngine.js';

/**
 * How kmssig runs git: the one module that decides. Every call goes through
 * simple-git, except two named exceptions served by child_process directly
 * (docs/decisions.md): spawn() for a process that is fed and read at once
 * (`cat-file --batch`), and a runner made for the hooks' fast path.
 */
export interface GitRunner {
  readonly cwd: string;
  /** The environment it was made with (a worker thread makes its own runner from cwd and env). */
  readonly env: NodeJS.ProcessEnv;
  /** Runs git and returns its standard output as text; throws GIT on failure. */
  text(args: string[]): Promise<string>;
  /** Like text(), but resolves undefined when git exits non-zero (for queries such as rev-parse --verify). */
  maybe(args: string[]): Promise<string | undefined>;
  /** Runs git, feeding `input` on standard input; resolves with raw standard output. */
  bytes(args: string[], input?: string | Uint8Array, env?: NodeJS.ProcessEnv): Promise<Buffer>;
  /** Runs git and resolves with its exit code and output whatever the code (the demo shows what git and its hooks said). */
  run(args: string[], env?: NodeJS.ProcessEnv): Promise<{ code: number; output: string }>;
  /** Output lines as git writes them; leaving the loop early ends the process. Throws GIT when git fails. */
  lines(args: string[]): AsyncGenerator<string, void, undefined>;
  /** Spawns a long-running git process (cat-file --batch). */
  spawn(args: string[]): ChildProcess;
}

export interface GitRunnerOptions {
  /**
   * For the hooks' fast path, a few local queries on a budget of node's start
   * + 30 ms: served without loading simple-git (its import alone is ~25 ms).
   */
  fastPath?: boolean;
}

/** Subcommands that talk to a remote (see GitCall.remote). */
const REMOTE_COMMANDS = new Set(['push', 'fetch', 'pull', 'ls-remote', 'clone']);

export function createGitRunner(cwd: string, env: NodeJS.ProcessEnv = process.env, options: GitRunnerOptions = {}): GitRunner {
  const baseEnv = cleanEnv(env);
  // A call whose output is read to its end lets git buffer it fully. Through a pipe git otherwise writes
  // rev-list and log output a record at a time: 2 MB of rev-list took node ~9,000 reads and 170-210 ms,
  // with GIT_FLUSH=0 ~300 reads and 70-115 ms (docs/decisions.md). Not for push and fetch, whose hooks
  // and helpers would inherit it; not for spawn(): a process fed and read in turns must answer each request.
  const readToEnd: NodeJS.ProcessEnv = { ...baseEnv, GIT_FLUSH: '0' };
  const engine: GitEngine = options.fastPath ? runDirect : runClient;
  const fail = (args: string[], error: unknown) =>
    new KmssigError('GIT', redactUserInfo(`git ${args.slice(0, 3).join(' ')} failed: ${firstLine(error)}`), { cause: error });
  const exitError = (args: string[], r: GitResult) => {
    const said = [r.stderr, r.stdout].map((b) => redactUserInfo(b.toString('utf8').trim())).filter(Boolean);
    return fail(args, new Error(said.join('\n') || `exit ${r.code}`));
  };
  const call = (args: string[], input?: string | Uint8Array, extraEnv?: NodeJS.ProcessEnv) => {
    const remote = REMOTE_COMMANDS.has(args[0] ?? '');
    const base = remote ? baseEnv : readToEnd;
    return engine({ cwd, env: extraEnv ? { ...base, ...extraEnv } : base, args, input, remote }).catch((error: unknown) => {
      throw fail(args, error);
    });
  };

  const bytes: GitRunner['bytes'] = async (args, input, extraEnv) => {
    const r = await call(args, input, extraEnv);
    if (r.code !== 0) throw exitError(args, r);
    return r.stdout;
  };

  return {
    cwd,
    env,
    bytes,
    text: async (args) => (await bytes(args)).toString('utf8'),
    maybe: async (args) => {
      const r = await call(args);
      return r.code === 0 ? r.stdout.toString('utf8') : undefined;
    },
    run: async (args, extraEnv) => {
      const r = await call(args, undefined, extraEnv);
      return { code: r.code, output: r.stdout.toString('utf8') + r.stderr.toString('utf8') };
    },
    lines: (args) => linesClient({ cwd, env: readToEnd, args }, (r) => exitError(args, r)),
    spawn: (args) => spawnDirect({ cwd, env: baseEnv, args }),
  };
}

// Keep git's own messages in English so failures can be recognised, and never
// let git prompt, open an editor or a pager from inside a hook. kmssig reads
// the objects as they are stored (GIT_NO_REPLACE_OBJECTS): a `refs/replace/*`
// ref that anyone can push changes what git shows and checks out under the
// original object id, so what a replacement changes on a release path is
// named by the verification (usecases/replacements.ts), never read as if it
// were the signed object.
function cleanEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { GIT_FLUSH: _inherited, ...rest } = env;
  return { ...rest, LC_ALL: 'C', GIT_TERMINAL_PROMPT: '0', GIT_EDITOR: 'true', GIT_PAGER: 'cat', GIT_NO_REPLACE_OBJECTS: '1' };
}

function firstLine(error: unknown): string {
  const text = (error as Error)?.message ?? String(error);
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('hint:'));
  return lines.find((l) => /^(fatal|error):/.test(l)) ?? lines[0] ?? 'unknown error';
}
