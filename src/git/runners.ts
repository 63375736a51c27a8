import type { GitRunner } from './exec.js';

/**
 * The runner behind each Repo, reachable only from src/git (the layering
 * rule `git-runner-stays-in-git` refuses an import of this file elsewhere):
 * other floors ask git through Repo's named verbs, never with an argv.
 */
// Keyed by the Repo object; typed as object so that this file need not import repo.ts (no cycle).
const runners = new WeakMap<object, GitRunner>();

export function registerRunner(repo: object, runner: GitRunner): void {
  runners.set(repo, runner);
}

export function runnerOf(repo: object): GitRunner {
  const runner = runners.get(repo);
  if (!runner) throw new Error('a Repo without a git runner');
  return runner;
}
