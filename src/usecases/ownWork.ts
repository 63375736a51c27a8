import { isCreation } from '../core/reflogCreation.js';
import type { Repo } from '../git/repo.js';

/** DESIGN 3.1: which commits of a history are the user's own work. */
export interface OwnWork {
  isOwn(commit: string): boolean;
  /** Commits of the history that no remote-tracking ref reaches (own or not). */
  unpushed: ReadonlySet<string>;
  /** No evidence at all: this clone keeps no reflog, so nothing counts as its own. */
  noReflog: boolean;
}

/**
 * The user's own work in the history of `rev`: commits that this clone
 * created (its reflogs show it) and that no remote-tracking ref reaches.
 * Everything else is foreign, wherever it came from: a remote, a URL,
 * FETCH_HEAD, a bundle.
 */
export async function ownWork(repo: Repo, rev: string, max: number, unpushed?: readonly string[]): Promise<OwnWork> {
  const [commits, { created, noReflog }] = await Promise.all([unpushed ?? repo.unpushedCommits(rev, max), createdHere(repo)]);
  const own = new Set(commits.filter((c) => created.has(c)));
  return { isOwn: (c) => own.has(c), unpushed: new Set(commits), noReflog };
}

// One read of the reflogs a run: pre-push checks every commit of a range against the same evidence.
const evidence = new WeakMap<Repo, Promise<{ created: Set<string>; noReflog: boolean }>>();

function createdHere(repo: Repo): Promise<{ created: Set<string>; noReflog: boolean }> {
  let found = evidence.get(repo);
  if (!found) {
    found = Promise.all([repo.reflogEntries(), repo.keepsReflogs()]).then(([entries, keeps]) => ({
      created: new Set(entries.filter((e) => isCreation(e.subject)).map((e) => e.commit)),
      noReflog: !keeps || entries.length === 0,
    }));
    evidence.set(repo, found);
  }
  return found;
}
