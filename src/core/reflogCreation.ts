/**
 * DESIGN 3.1: the user's own work is the commits this clone created. A
 * reflog entry says how its ref moved; these subjects are the ones that made
 * a new commit here — committing, amending, merging, rebasing, cherry-picking
 * or reverting — as git 2.39 writes them. Moves to commits made elsewhere
 * are not: every fast-forward (`cherry-pick: fast-forward` of
 * `cherry-pick --ff`, `rebase: fast-forward` of a pick that could be skipped,
 * `merge …: Fast-forward`, `pull …: Fast-forward`), `checkout: …`,
 * `reset: …`, `clone: …`, `am: …` (someone else's patch).
 */
const CREATED = [
  /^commit( \([a-z ]+\))?: /, // commit, commit (amend|merge|initial)
  // The sequencer writes `<action>: fast-forward` when it moves to an existing commit (sequencer.c, fast_forward_to).
  /^(cherry-pick|revert): (?!fast-forward$)/,
  /^(merge|pull)\b[^:]*: Merge made by /,
  /^(rebase|pull)\b[^(:]*\((pick|squash|fixup|reword|edit|continue)\): /,
];

export function isCreation(subject: string): boolean {
  return CREATED.some((pattern) => pattern.test(subject));
}
