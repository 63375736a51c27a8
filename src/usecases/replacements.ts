import { findReplacements, type Replacements } from '../core/replacements.js';
import type { Repo } from '../git/repo.js';

/**
 * What replace refs would change in a checkout of a commit's release files
 * (`blobs`: path -> blob id, as stored). No replace ref, no further git call.
 */
export async function replacedReleaseFiles(repo: Repo, commit: string, blobs: ReadonlyMap<string, string>): Promise<Replacements> {
  const refs = await repo.replaceRefs();
  if (refs.size === 0) return { files: [], folders: [] };
  return findReplacements(commit, await repo.treesOf(commit), blobs, refs);
}
