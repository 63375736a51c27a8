import { createHash } from 'node:crypto';
import type { Repo } from '../git/repo.js';
import { version } from '../version.js';

// This module is on the hooks' fast path: it must stay free of cosmiconfig,
// zod, the AWS SDK and the verification code, which load only when needed.

export type VerifyHook = 'post-merge' | 'post-checkout' | 'post-rewrite';

/** After a pull only: the reflog action git sets for its children, else the reflog's last entry. */
export async function wasPull(repo: Repo, env: NodeJS.ProcessEnv): Promise<boolean> {
  if (env.GIT_REFLOG_ACTION) return env.GIT_REFLOG_ACTION.startsWith('pull');
  const last = await repo.git.maybe(['reflog', '-1', '--format=%gs', 'HEAD']);
  return (last ?? '').startsWith('pull');
}

/**
 * What a verification hook's decision depends on: HEAD (and so the
 * configuration in its tree), every remote-tracking and notes ref, this
 * clone's pin, the hook and kmssig's version. A passing decision stored under this key lets the same
 * hook return at once, with no KMS call, until any of them changes.
 */
export function hookDecisionKey(repo: Repo, hook: VerifyHook, pulled: boolean): Promise<string> {
  return stateKey(repo, [hook, pulled]);
}

/**
 * pre-push's: the same state plus the remote and git's ref list. A pre-push
 * that signed and published everything stores it, so pushing the same
 * commits again (another attempt, a second remote name) returns at once.
 */
export function prePushDecisionKey(repo: Repo, remote: string, input: string): Promise<string> {
  return stateKey(repo, ['pre-push', remote, input]);
}

async function stateKey(repo: Repo, parts: unknown[]): Promise<string> {
  const [head, refs, config] = await Promise.all([
    repo.git.maybe(['rev-parse', '--verify', '--quiet', 'HEAD^{commit}']),
    repo.git.text(['for-each-ref', '--format=%(objectname) %(refname)', 'refs/remotes/', 'refs/notes/']),
    // The configuration comes from HEAD's tree (so HEAD covers it); the pin and registered local keys from git config.
    repo.git.maybe(['config', '--local', '--get-regexp', '^kmssig\\.']),
  ]);
  return createHash('sha256')
    .update(JSON.stringify([version, ...parts, head, refs, config]))
    .digest('hex');
}
