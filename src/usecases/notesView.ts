import { parseNote, type ParsedRecord } from '../core/record.js';
import { indexNotes, noteRefs, readNoteBlobs } from '../git/notes.js';
import type { Repo } from '../git/repo.js';

/** The union of all kmssig note refs (DESIGN 2.3), read once per run. */
export interface NotesView {
  /** Note ref -> commit it points at; part of what a cached decision is keyed by. */
  refs: Map<string, string>;
  has(commit: string): boolean;
  /** Every commit that has a note. */
  commits(): Iterable<string>;
  /** Parsed records of these commits, in one git call. */
  records(commits: string[]): Promise<Map<string, ParsedRecord[]>>;
}

export async function loadNotes(repo: Repo): Promise<NotesView> {
  const refs = await noteRefs(repo);
  const index = await indexNotes(repo, refs.keys());
  return {
    refs,
    has: (commit) => index.has(commit),
    commits: () => index.keys(),
    async records(commits) {
      const texts = await readNoteBlobs(
        repo,
        commits.flatMap((c) => [...(index.get(c) ?? [])]),
      );
      const result = new Map<string, ParsedRecord[]>();
      for (const commit of commits) {
        const lines = new Map<string, ParsedRecord>();
        for (const blob of index.get(commit) ?? []) for (const parsed of parseNote(texts.get(blob) ?? '')) lines.set(parsed.line, parsed);
        result.set(commit, [...lines.values()]);
      }
      return result;
    },
  };
}
