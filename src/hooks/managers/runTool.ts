import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** The command of a hook manager: the project's node_modules/.bin first, as npm scripts would run it, else PATH. */
export function toolCommand(root: string, name: string): string {
  const local = join(root, 'node_modules', '.bin', name);
  return existsSync(local) ? local : name;
}

/** Runs a hook manager's own command (its install) in the repository root; never throws. */
export function runTool(root: string, command: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: root, env: { ...env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', (error: NodeJS.ErrnoException) => resolve({ code: error.code === 'ENOENT' ? 127 : 1, output: error.message }));
    child.on('close', (code) => resolve({ code: code ?? 1, output }));
  });
}
