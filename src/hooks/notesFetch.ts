import { fetchNotes, NOTES_REF, remoteNotesRef } from '../git/notes.js';
import type { Repo } from '../git/repo.js';

/**
 * The fetch refspec of a remote's notes. A glob: git fetches what matches
 * and, unlike an exact refspec, says nothing when nothing does (a remote
 * before its first signed push, an `upstream` without kmssig, a deleted
 * notes ref), so `git fetch` and `git pull` never fail because of it.
 * Readers take only the exact names (noteRefs), whatever else the glob brings.
 */
export const notesRefspec = (remote: string) => `+${NOTES_REF}*:${remoteNotesRef(remote)}*`;
/** What install wrote before: an exact refspec, fatal on a remote without notes. Migrated on the next install. */
const oldRefspec = (remote: string) => `+${NOTES_REF}:${remoteNotesRef(remote)}`;

/** Makes every fetch/pull of each remote bring its notes into refs/notes/remotes/<remote>/kmssig. */
export async function setupNotesFetch(repo: Repo): Promise<{ remote: string; added: boolean; migrated: boolean }[]> {
  const result = [];
  for (const remote of await repo.remotes()) {
    const specs = await repo.configGetAll(`remote.${remote}.fetch`);
    const migrated = specs.includes(oldRefspec(remote));
    if (migrated) await repo.configUnsetValue(`remote.${remote}.fetch`, oldRefspec(remote));
    const added = !specs.includes(notesRefspec(remote));
    if (added) await repo.configAdd(`remote.${remote}.fetch`, notesRefspec(remote));
    result.push({ remote, added: added && !migrated, migrated });
  }
  return result;
}

export async function removeNotesFetch(repo: Repo): Promise<void> {
  for (const remote of await repo.remotes()) {
    const specs = await repo.configGetAll(`remote.${remote}.fetch`);
    for (const spec of [notesRefspec(remote), oldRefspec(remote)])
      if (specs.includes(spec)) await repo.configUnsetValue(`remote.${remote}.fetch`, spec);
  }
}

/** Fetches each remote's notes once, so the first checkout after install already verifies. */
export async function fetchAllNotes(repo: Repo): Promise<{ remote: string; error?: string }[]> {
  const results = [];
  for (const remote of await repo.remotes()) {
    try {
      await fetchNotes(repo, remote);
      results.push({ remote });
    } catch (error) {
      results.push({ remote, error: (error as Error).message });
    }
  }
  return results;
}
