import type { FileResult } from './compare.js';
import type { SignatureRecord } from './record.js';

/** One listed file's verdict, with the signed commit it was compared against. */
export interface FileReport extends FileResult {
  signedCommit?: string;
  /**
   * For a failure under the local-work rule: the commit, not the user's own,
   * that last changed the file, or that its bytes came from (`copiedBy`).
   */
  changedBy?: string;
  /** For a `replaced` file: the replace ref a checkout takes its content from. */
  replacedBy?: string;
  /** The user's own commit that holds bytes copied from `changedBy` (merge --squash, checkout <rev> -- path, apply…). */
  copiedBy?: string;
  /** Where `changedBy` had those bytes, when that is another path. */
  copiedFrom?: string;
  /** A modified file whose bytes are those of an older signed commit that `signedCommit` supersedes (a rollback, DESIGN 3.1). */
  revertsTo?: string;
  /** On disk (--worktree): the path is behind this symlinked folder, so it was not read and counts as missing. */
  behindSymlink?: string;
}

/** The outcome of verifying one revision (or the working tree): what `check` prints and hooks act on. */
export interface CheckReport {
  status: 'pass' | 'fail' | 'quiet';
  /** The commit verified, or the HEAD under a verified working tree. */
  commit: string;
  worktree: boolean;
  /** The nearest signed commit and its record; only set for a record that verified. */
  signed?: { commit: string; record: SignatureRecord };
  files: FileReport[];
  /** Under the local-work rule: the other nearest signed commits whose records cover some of the files. */
  covering?: { commit: string; record: SignatureRecord }[];
  /** Records that were found and did not count, and why (`count` of them when several said the same). */
  rejected: { commit: string; reason: string; count?: number }[];
  /** A reason that applies to the whole check (no signed commit, no configuration...). */
  problem?: string;
  /** Listed files with uncommitted edits (reported by hooks, never failed). */
  uncommitted: string[];
  /** Under the local-work rule: this clone keeps no reflog, so no commit could be told to be the user's own. */
  noReflog?: boolean;
  /** `files` patterns that match nothing at the commit (or on disk): warnings, never a failure by themselves. */
  emptyPatterns?: string[];
}
