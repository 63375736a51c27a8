import { spawn } from 'node:child_process';
import { redactUserInfo } from '../core/context.js';
import { KmssigError } from '../errors.js';

/**
 * The only place that runs git, with child_process directly. (simple-git was
 * the first choice, but its environment guard refuses what git itself hands
 * to hooks — GIT_CONFIG_PARAMETERS for every `git -c`, EDITOR, GIT_SSL_CAINFO —
 * so a hook would fail on an ordinary machine; see docs/decisions.md.)
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
  /** Spawns a long-running git process (cat-file --batch). */
  spawn(args: string[]): ReturnType<typeof spawn>;
}

export function createGitRunner(cwd: string, env: NodeJS.ProcessEnv = process.env): GitRunner {
  const baseEnv = cleanEnv(env);
  const fail = (args: string[], error: unknown) =>
    new KmssigError('GIT', redactUserInfo(`git ${args.slice(0, 3).join(' ')} failed: ${firstLine(error)}`), { cause: error });

  const bytes: GitRunner['bytes'] = (args, input, extraEnv) =>
    new Promise((resolve, reject) => {
      const child = spawn('git', args, { cwd, env: { ...baseEnv, ...extraEnv }, stdio: ['pipe', 'pipe', 'pipe'] });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      child.stdout.on('data', (d: Buffer) => out.push(d));
      child.stderr.on('data', (d: Buffer) => err.push(d));
      child.on('error', (error) => reject(fail(args, error)));
      child.on('close', (code) => {
        if (code === 0) return resolve(Buffer.concat(out));
        const said = [Buffer.concat(err), Buffer.concat(out)].map((b) => redactUserInfo(b.toString('utf8').trim())).filter(Boolean);
        reject(fail(args, new Error(said.join('\n') || `exit ${code}`)));
      });
      child.stdin.on('error', () => {}); // git may exit before reading all input; its exit code tells
      child.stdin.end(input);
    });

  return {
    cwd,
    env,
    bytes,
    text: async (args) => (await bytes(args)).toString('utf8'),
    maybe: async (args) => (await bytes(args).catch(() => undefined))?.toString('utf8'),
    run: (args, extraEnv) =>
      new Promise((resolve, reject) => {
        const child = spawn('git', args, { cwd, env: { ...baseEnv, ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'] });
        let output = '';
        child.stdout.on('data', (d: Buffer) => (output += d.toString()));
        child.stderr.on('data', (d: Buffer) => (output += d.toString()));
        child.on('error', (error) => reject(fail(args, error)));
        child.on('close', (code) => resolve({ code: code ?? 1, output }));
      }),
    spawn: (args) => spawn('git', args, { cwd, env: baseEnv, stdio: ['pipe', 'pipe', 'pipe'] }),
  };
}

// Keep git's own messages in English so failures can be recognised, and never
// let git prompt, open an editor or a pager from inside a hook.
function cleanEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return { ...env, LC_ALL: 'C', GIT_TERMINAL_PROMPT: '0', GIT_EDITOR: 'true', GIT_PAGER: 'cat' };
}

function firstLine(error: unknown): string {
  const text = (error as Error)?.message ?? String(error);
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('hint:'));
  return lines.find((l) => /^(fatal|error):/.test(l)) ?? lines[0] ?? 'unknown error';
}
