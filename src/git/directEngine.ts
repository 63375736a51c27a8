import { spawn, type ChildProcess } from 'node:child_process';
import type { GitCall, GitResult } from './gitResult.js';

// The exceptions to simple-git (docs/decisions.md): a process that is fed and
// read at the same time (`cat-file --batch`, one object after another) and the
// hooks' fast path, which must not pay simple-git's ~25 ms import. Only
// exec.ts decides when these run.

/** Runs git with child_process directly; rejects only when git cannot be started. */
export function runDirect({ cwd, env, args, input }: GitCall): Promise<GitResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', args, { cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, stdout: Buffer.concat(out), stderr: Buffer.concat(err) }));
    child.stdin.on('error', () => {}); // git may exit before reading all input; its exit code tells
    child.stdin.end(input);
  });
}

/** A long-running git process whose standard input and output the caller drives. */
export function spawnDirect({ cwd, env, args }: GitCall): ChildProcess {
  return spawn('git', args, { cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
}
