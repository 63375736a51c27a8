import { isCreation } from '../core/reflogCreation.js';
import type { Repo } from '../git/repo.js';

/** DESIGN 3.1: which commits of this clone are the user's own work, and where foreign commits may hide. */
export interface OwnWork {
  /** A commit this clone created (its reflogs show it), pushed since or not. */
  isOwn(commit: string): boolean;
  /**
   * The commits the reflogs name, own or not, except the stash's and the
   * notes': a foreign commit checked out and left again is found from here.
   */
  reflogCommits: readonly string[];
  /** No evidence at all: this clone keeps no reflog, so nothing counts as its own. */
  noReflog: boolean;
}

/**
 * Reflogs whose commits are no foreign content: the stash's commits hold the
 * user's own uncommitted work (their index commit is named by no reflog),
 * and the notes' commits hold records, never release files.
 */
const NOT_CONTENT = /^refs\/(stash$|notes\/)/;

// One read of the reflogs a run: pre-push checks every commit of a range against the same evidence.
const evidence = new WeakMap<Repo, Promise<OwnWork>>();

/**
 * The user's own work: the commits that this clone created, as its reflogs
 * show (a fast-forward creates nothing, whatever command made it), whether or
 * not they were pushed since. Everything else is foreign, wherever it came
 * from: a remote, a URL, FETCH_HEAD, a bundle. Which bytes are foreign is
 * decided from this in usecases/provenance.ts.
 */
export function ownWork(repo: Repo): Promise<OwnWork> {
  let found = evidence.get(repo);
  if (!found) {
    found = Promise.all([repo.reflogEntries(), repo.keepsReflogs()]).then(([entries, keeps]) => {
      const created = new Set(entries.filter((e) => isCreation(e.subject)).map((e) => e.commit));
      const reflogCommits = [...new Set(entries.filter((e) => !NOT_CONTENT.test(e.ref)).map((e) => e.commit))];
      return { isOwn: (c: string) => created.has(c), reflogCommits, noReflog: !keeps || entries.length === 0 };
    });
    evidence.set(repo, found);
  }
  return found;
}
