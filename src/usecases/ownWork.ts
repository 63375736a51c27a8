import { isCreation } from '../core/ownWork.js';
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
  const [commits, entries, keeps] = await Promise.all([
    unpushed ?? repo.localCommits(rev, max).then((l) => l.commits),
    repo.reflogEntries(),
    repo.keepsReflogs(),
  ]);
  const created = new Set(entries.filter((e) => isCreation(e.subject)).map((e) => e.commit));
  const own = new Set(commits.filter((c) => created.has(c)));
  return { isOwn: (c) => own.has(c), unpushed: new Set(commits), noReflog: !keeps || entries.length === 0 };
}
