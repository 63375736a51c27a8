import { StringDecoder } from 'node:string_decoder';
import type { SimpleGit, SimpleGitOptions } from 'simple-git';
import type { GitCall, GitResult } from './gitResult.js';

// simple-git 4 runs kmssig's git processes (docs/decisions.md has the
// measurements behind each choice here). It is imported on first use only:
// loading it costs ~25 ms, more than the hooks' fast path may spend.
let loading: Promise<typeof import('simple-git')> | undefined;
const load = () => (loading ??= import('simple-git'));

type Guard = Required<Omit<NonNullable<SimpleGitOptions['unsafe']>, 'allowUnsafeCustomBinary' | 'allowAbbreviatedOptions'>>;

// simple-git's guard checks the arguments and the environment together. The
// arguments are kmssig's own (every value from outside goes after `--`,
// `--end-of-options` or into a refspec); the environment is the user's and
// git's: inside a hook it holds GIT_EXEC_PATH, GIT_CONFIG_PARAMETERS for each
// `git -c`, a CI's GIT_CONFIG_COUNT pairs, GIT_SSH_COMMAND, GIT_ASKPASS…, all
// of which must reach git unchanged. Every category is listed (the type makes
// a new one a compile error) so that no honest environment is refused.
const GUARD: Guard = {
  allowUnsafeAlias: true,
  allowUnsafeAskPass: true,
  allowUnsafeCommandBinaries: true,
  allowUnsafeConfigEnvCount: true,
  allowUnsafeConfigPaths: true,
  allowUnsafeCredentialHelper: true,
  allowUnsafeDiffExternal: true,
  allowUnsafeDiffTextConv: true,
  allowUnsafeEditor: true,
  allowUnsafeExec: true,
  allowUnsafeFilter: true,
  allowUnsafeFsMonitor: true,
  allowUnsafeGitProxy: true,
  allowUnsafeGpgProgram: true,
  allowUnsafeHooksPath: true,
  allowUnsafeInclude: true,
  allowUnsafeMergeDriver: true,
  allowUnsafePack: true,
  allowUnsafePager: true,
  allowUnsafeProtocolOverride: true,
  allowUnsafeSshCommand: true,
  allowUnsafeSubmodule: true,
  allowUnsafeTemplateDir: true,
  allowUnsafeUrlRewrite: true,
};

const EMPTY = Buffer.alloc(0);

/**
 * One simple-git instance per call: its output handler and its error hook
 * belong to that call alone, whatever runs beside it.
 */
async function client(call: GitCall, onEnd: (result: GitResult) => void, extra: Partial<SimpleGitOptions> = {}): Promise<SimpleGit> {
  const { simpleGit } = await load();
  const git = simpleGit({
    baseDir: call.cwd,
    // simple-git 4 drops every GIT_* variable not named here (and refuses one
    // passed with .env()): named all, the environment reaches git whole.
    allowEnvironment: Object.keys(call.env),
    unsafe: GUARD,
    // Always something, so that git's standard input is closed, never left open.
    input: () => (call.input === undefined ? EMPTY : Buffer.from(call.input)),
    // Called for every call, failed or not, with the raw output: bytes stay
    // bytes (raw() decodes as UTF-8), and the exit code is ours to judge.
    errors: (error, result) => {
      if (result.exitCode < 0 && error) return error; // git did not start
      onEnd({ code: result.exitCode, stdout: Buffer.concat(result.stdOut), stderr: Buffer.concat(result.stdErr) });
      return undefined;
    },
    ...extra,
  }).env(call.env);
  return git;
}

// simple-git waits 50 ms after a process that printed nothing (update-ref,
// config --add, a failed rev-parse --verify --quiet) before it settles;
// signalling the end of the output as output lets it settle at once.
function settleOnEnd(stdout: NodeJS.ReadableStream): void {
  stdout.once('end', () => stdout.emit('data', EMPTY));
}

/** Runs one git process through simple-git; rejects only when git cannot be started. */
export async function runClient(call: GitCall): Promise<GitResult> {
  let ended: GitResult | undefined;
  // simple-git ends a call at the output's close or 50 ms after git's exit, whichever is first, and that
  // timer kept node alive 50 ms after the last call of a run. Only a remote call needs the exit rule.
  // (The streaming calls below keep it: one left early is ended by the abort signal, which needs it.)
  const git = await client(call, (result) => (ended = result), call.remote ? {} : { completion: { onClose: true, onExit: false } });
  git.outputHandler((_command, stdout) => settleOnEnd(stdout));
  await git.raw(call.args);
  return ended ?? { code: 1, stdout: EMPTY, stderr: Buffer.from('git produced no result') };
}

const HIGH_WATER = 4096;

/**
 * The lines of a git process's output as git writes them, through simple-git's
 * output handler. The stream is paused while lines wait to be taken, so git
 * blocks instead of running ahead; stopping early aborts the process.
 */
export async function* linesClient(call: GitCall, fail: (result: GitResult) => Error): AsyncGenerator<string, void, undefined> {
  const abort = new AbortController();
  const queue: string[] = [];
  let taken = 0;
  let partial = '';
  let stdout: NodeJS.ReadableStream | undefined;
  let ended: GitResult | undefined;
  let wake: (() => void) | undefined;
  const decoder = new StringDecoder('utf8');
  const push = (text: string) => {
    const parts = (partial + text).split('\n');
    partial = parts.pop()!;
    for (const line of parts) queue.push(line);
  };

  const git = await client(call, (result) => (ended = result), { abort: abort.signal });
  git.outputHandler((_command, out) => {
    stdout = out;
    out.on('data', (chunk: Buffer) => {
      if (chunk.length === 0) return;
      push(decoder.write(chunk));
      if (queue.length - taken > HIGH_WATER) out.pause();
      wake?.();
    });
    settleOnEnd(out);
  });
  let settled = false;
  let failure: Error | undefined;
  const finished = git.raw(call.args).then(
    () => void (settled = true),
    (error: unknown) => void ((failure = error instanceof Error ? error : new Error(String(error))), (settled = true)),
  );
  void finished.then(() => wake?.());

  try {
    for (;;) {
      if (taken < queue.length) {
        const line = queue[taken]!;
        queue[taken++] = '';
        if (taken === queue.length) queue.length = taken = 0;
        if (stdout?.isPaused() && queue.length - taken < HIGH_WATER / 2) stdout.resume();
        yield line;
        continue;
      }
      if (settled) break;
      await new Promise<void>((resolve) => (wake = resolve));
      wake = undefined;
    }
    if (failure) throw failure;
    push(decoder.end());
    if (partial !== '') yield partial;
    if (!ended || ended.code !== 0) throw fail(ended ?? { code: 1, stdout: EMPTY, stderr: EMPTY });
  } finally {
    if (!settled) {
      abort.abort();
      stdout?.resume(); // a paused stream would hold the killed process's pipe open
      await finished;
    }
  }
}
