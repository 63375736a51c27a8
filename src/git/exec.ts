import { spawn } from 'node:child_process';
import { simpleGit, type SimpleGit } from 'simple-git';
import { KmssigError } from '../errors.js';

/**
 * The only place that runs git. Text commands go through simple-git; commands
 * whose output is binary (NUL-separated paths that may not be UTF-8) or that
 * take standard input are spawned directly.
 */
export interface GitRunner {
  readonly cwd: string;
  /** Runs git and returns its standard output as text; throws GIT on failure. */
  text(args: string[]): Promise<string>;
  /** Like text(), but resolves undefined when git exits non-zero (for queries such as rev-parse --verify). */
  maybe(args: string[]): Promise<string | undefined>;
  /** Runs git, feeding `input` on standard input; resolves with raw standard output. */
  bytes(args: string[], input?: string | Uint8Array, env?: NodeJS.ProcessEnv): Promise<Buffer>;
  /** Spawns a long-running git process (cat-file --batch). */
  spawn(args: string[]): ReturnType<typeof spawn>;
}

export function createGitRunner(cwd: string, env: NodeJS.ProcessEnv = process.env): GitRunner {
  let git: SimpleGit | undefined;
  const simple = () => (git ??= simpleGit({ baseDir: cwd, maxConcurrentProcesses: 4, trimmed: false }).env(cleanEnv(env)));

  const fail = (args: string[], error: unknown) =>
    new KmssigError('GIT', `git ${args.slice(0, 3).join(' ')} failed: ${firstLine(error)}`, { cause: error });

  return {
    cwd,
    async text(args) {
      try {
        return await simple().raw(args);
      } catch (error) {
        throw fail(args, error);
      }
    },
    async maybe(args) {
      const out = await this.bytes(args).catch(() => undefined);
      return out?.toString('utf8');
    },
    bytes(args, input, extraEnv) {
      return new Promise((resolve, reject) => {
        const child = spawn('git', args, { cwd, env: { ...cleanEnv(env), ...extraEnv }, stdio: ['pipe', 'pipe', 'pipe'] });
        const out: Buffer[] = [];
        const err: Buffer[] = [];
        child.stdout.on('data', (d: Buffer) => out.push(d));
        child.stderr.on('data', (d: Buffer) => err.push(d));
        child.on('error', (error) => reject(fail(args, error)));
        child.on('close', (code) => {
          if (code === 0) resolve(Buffer.concat(out));
          else {
            const said = [Buffer.concat(err), Buffer.concat(out)].map((b) => b.toString('utf8').trim()).filter(Boolean);
            reject(fail(args, new Error(said.join('\n') || `exit ${code}`)));
          }
        });
        child.stdin.on('error', () => {}); // git may exit before reading all input; its exit code tells
        child.stdin.end(input);
      });
    },
    spawn(args) {
      return spawn('git', args, { cwd, env: cleanEnv(env), stdio: ['pipe', 'pipe', 'pipe'] });
    },
  };
}

// Keep git's own messages in English so failures can be recognised, and never
// let git open an editor or a pager from inside a hook.
function cleanEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return { ...env, LC_ALL: 'C', GIT_TERMINAL_PROMPT: '0', GIT_EDITOR: 'true', GIT_PAGER: 'cat' };
}

function firstLine(error: unknown): string {
  const text = (error as Error)?.message ?? String(error);
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('hint:'));
  return lines.find((l) => /^(fatal|error):/.test(l)) ?? lines[0] ?? 'unknown error';
}
