/**
 * DESIGN 3.1: the user's own work is the commits this clone created. A
 * reflog entry says how its ref moved; these subjects are the ones that made
 * a new commit here — committing, amending, merging, rebasing, cherry-picking
 * or reverting — as git 2.39 writes them. Moves to commits made elsewhere
 * (`pull: Fast-forward`, `checkout: …`, `reset: …`, `clone: …`, `am: …`, which
 * applies someone else's patch) are not.
 */
const CREATED = [
  /^commit( \([a-z ]+\))?: /, // commit, commit (amend|merge|initial)
  /^cherry-pick: /,
  /^revert: /,
  /^(merge|pull)\b[^:]*: Merge made by /,
  /^(rebase|pull)\b[^(:]*\((pick|squash|fixup|reword|edit|continue)\): /,
];

export function isCreation(subject: string): boolean {
  return CREATED.some((pattern) => pattern.test(subject));
}
