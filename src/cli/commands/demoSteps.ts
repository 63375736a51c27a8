import { spawn } from 'node:child_process';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runUserCommand } from '../../git/userCommand.js';
import type { Io, Output } from '../io.js';

const CLI = fileURLToPath(new URL('../../bin.js', import.meta.url));

/** One step of the demo: a kmssig command (run in-process), a git command (hooks included), or files written. */
export type Step =
  | { say: string; kmssig: string[]; cwd: string; expect: number }
  | { say: string; git: string[]; cwd: string; expect: number; expectOutput?: RegExp }
  | { say: string; write: Record<string, string>; cwd: string };

const show = (argv: string[]) => argv.map((a) => (/[\s,]/.test(a) ? JSON.stringify(a) : a)).join(' ');

/** Runs this CLI as a real process, as a user would, and collects what it said. */
function kmssig(args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, output }));
  });
}

/** Runs the steps in order; returns how many did not behave as expected. */
export async function runSteps(steps: Step[], out: Output, env: NodeJS.ProcessEnv): Promise<number> {
  let failures = 0;
  for (const step of steps) {
    out.result(`\n# ${step.say}`);
    if ('write' in step) {
      for (const [path, content] of Object.entries(step.write)) {
        out.result(`$ echo ${JSON.stringify(content.trim())} > ${path}`);
        await mkdir(dirname(join(step.cwd, path)), { recursive: true });
        await writeFile(join(step.cwd, path), content);
      }
      continue;
    }
    out.result('kmssig' in step ? `$ kmssig ${show(step.kmssig)}` : `$ git ${show(step.git)}`);
    const { code, output: said } =
      'kmssig' in step ? await kmssig(step.kmssig, step.cwd, env) : await runUserCommand(step.cwd, env, step.git);
    if (said.trim()) out.result(said.trimEnd().replace(/^/gm, '  '));
    const outputOk = !('expectOutput' in step) || !step.expectOutput || step.expectOutput.test(said);
    const ok = code === step.expect && outputOk;
    out.result(
      out.paint(
        ok ? 'green' : 'red',
        `→ exit ${code}${ok ? '' : ` (expected ${step.expect}${outputOk ? '' : ' and a verification failure in the output'})`}`,
      ),
    );
    if (!ok) failures++;
  }
  return failures;
}

/**
 * Git's environment for the demo: an identity, and `kmssig` on PATH (a shim
 * to this very CLI) so the installed hooks find it.
 */
export async function demoGitEnv(dir: string, io: Io): Promise<NodeJS.ProcessEnv> {
  const bin = join(dir, 'bin');
  await mkdir(bin, { recursive: true });
  await writeFile(join(bin, 'kmssig'), `#!/bin/sh\nexec "${process.execPath}" "${CLI}" "$@"\n`);
  await chmod(join(bin, 'kmssig'), 0o755);
  return {
    ...io.env,
    PATH: `${bin}:${io.env.PATH ?? ''}`,
    GIT_AUTHOR_NAME: 'Demo Dev',
    GIT_AUTHOR_EMAIL: 'dev@example.com',
    GIT_COMMITTER_NAME: 'Demo Dev',
    GIT_COMMITTER_EMAIL: 'dev@example.com',
    GIT_CONFIG_NOSYSTEM: '1',
    NO_COLOR: io.env.NO_COLOR ?? '',
  };
}
