import { createGitRunner } from './exec.js';

/**
 * Runs a git command as a user would type it, and returns its exit code and
 * what git and its hooks said, whatever the code: the demo shows a scripted
 * session of git commands. Nothing else builds a git argv outside src/git.
 */
export function runUserCommand(cwd: string, env: NodeJS.ProcessEnv, argv: string[]): Promise<{ code: number; output: string }> {
  return createGitRunner(cwd, env).run(argv);
}
