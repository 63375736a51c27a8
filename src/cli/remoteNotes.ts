import { fetchNotes } from '../git/notes.js';
import type { Repo } from '../git/repo.js';
import type { Output } from './io.js';

// check's first step on a CI clone: which remote, and its notes fetched once.

export async function pickRemote(repo: Repo, given: string | undefined): Promise<string | undefined> {
  if (given) return given;
  const remotes = await repo.remotes();
  return remotes.includes('origin') ? 'origin' : remotes.length === 1 ? remotes[0] : undefined;
}

/**
 * A fresh CI clone has no notes, a reused workspace has stale ones: fetch the
 * remote's once per run, touching no other ref.
 */
export async function fetchNotesOnce(repo: Repo, remote: string, out: Output): Promise<void> {
  try {
    const found = await fetchNotes(repo, remote);
    out.info({
      level: 'info',
      text: found ? `fetched signatures (refs/notes/kmssig) from ${remote}` : `${remote} has no signatures (refs/notes/kmssig) yet`,
    });
  } catch (error) {
    out.warn({
      level: 'warn',
      text: `could not fetch signatures from ${remote}: ${(error as Error).message}; verifying with the notes at hand`,
    });
  }
}
