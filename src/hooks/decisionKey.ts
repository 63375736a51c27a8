import { createHash } from 'node:crypto';
import { Repo, replaceRefBase, type RepoOptions } from '../git/repo.js';
import { version } from '../version.js';

// This module is on the hooks' fast path: it must stay free of cosmiconfig,
// zod, the AWS SDK and the verification code, which load only when needed.

import type { VerifyHook } from '../core/hookNames.js';

export type { VerifyHook };

/**
 * The refs a decision depends on: every remote-tracking ref, every notes ref,
 * and every replace ref (which changes what a checkout writes under the ids
 * a decision was made for).
 */
const stateRefs = (env: NodeJS.ProcessEnv) => ['refs/remotes/*', 'refs/notes/*', `${replaceRefBase(env)}*`];

/**
 * What a decision depends on besides the hook's own arguments: HEAD (and so
 * the configuration in its tree), every remote-tracking, notes and replace
 * ref, and this repository's configuration file (the pin, registered local keys).
 */
export interface RepoState {
  head: string | undefined;
  refs: string;
  config: string;
}

/**
 * Opens the repository and reads its state with one git process and one file
 * read: the fast path of a hook that has nothing to do.
 */
export async function openWithState(cwd: string, env: NodeJS.ProcessEnv, options: RepoOptions): Promise<{ repo: Repo; state: RepoState }> {
  const { repo, head, refs } = await Repo.openWithRefs(cwd, env, options, stateRefs(env));
  return { repo, state: { head, refs, config: await repo.localConfigText() } };
}

/** The state of a repository as it is now, for a key computed after the hook did its work. */
export async function readState(repo: Repo): Promise<RepoState> {
  return (await openWithState(repo.root, repo.environment, {})).state;
}

/** After a pull only: the reflog action git sets for its children, else the reflog's last entry. */
export async function wasPull(repo: Repo, env: NodeJS.ProcessEnv): Promise<boolean> {
  if (env.GIT_REFLOG_ACTION) return env.GIT_REFLOG_ACTION.startsWith('pull');
  return (await repo.lastReflogSubject()).startsWith('pull');
}

/**
 * A verification hook's decision key: the state, the hook and kmssig's
 * version. A passing decision stored under it lets the same hook return at
 * once, with no KMS call, until any of them changes.
 */
export function hookDecisionKey(state: RepoState, hook: VerifyHook, pulled: boolean): string {
  return stateKey(state, [hook, pulled]);
}

/**
 * pre-push's: the same state plus the remote and git's ref list. A pre-push
 * that signed and published everything stores it, so pushing the same
 * commits again (another attempt, a second remote name) returns at once.
 */
export function prePushDecisionKey(state: RepoState, remote: string, input: string): string {
  return stateKey(state, ['pre-push', remote, input]);
}

function stateKey({ head, refs, config }: RepoState, parts: unknown[]): string {
  return createHash('sha256')
    .update(JSON.stringify([version, ...parts, head, refs, config]))
    .digest('hex');
}
