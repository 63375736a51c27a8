import { NOTE_MAX_BYTES } from '../core/record.js';
import { indexNotes, mergeNotes, noteRefs, readNoteLines, remoteNotesRef, remoteNotesSeen, rememberNotes } from '../git/notes.js';
import type { Repo } from '../git/repo.js';

/** Records a remote's notes ref no longer holds, though this clone had read them there. */
export interface NotesLoss {
  /** The remote's part of the notes ref name (`origin`). */
  remote: string;
  /** How many records (note lines) no notes ref of this clone holds any more. */
  lost: number;
  /** The remote-tracking notes ref is gone (deleted on the remote, pruned by a fetch), rather than rewritten. */
  deleted: boolean;
}

/**
 * DESIGN 2.3 and 3.4 item 6: records never disappear from a clone because a
 * remote's notes ref was deleted (a fetch with prune removes the tracking
 * ref) or force-pushed without them. Each remote's notes ref is compared with
 * the value this clone saw there last (kept under refs/notes/kmssig-seen/):
 * one git process when nothing changed; a fast-forward (records added) is
 * remembered. Otherwise the records of the remembered value that no notes ref
 * holds any more are merged into refs/notes/kmssig (with the remote's notes
 * as they are now), where readers keep finding them and the next push
 * publishes them again, and the loss is
 * returned for the hook to report. A remote that was removed or renamed
 * (`git remote remove`) loses its tracking ref honestly: its records are
 * kept the same way, without a report.
 */
export async function keepRemoteNotes(repo: Repo): Promise<NotesLoss[]> {
  const losses: NotesLoss[] = [];
  let configured: Set<string> | undefined;
  for (const notes of await remoteNotesSeen(repo)) {
    if (notes.current === notes.seen) continue;
    if (notes.current && (!notes.seen || (await repo.isAncestor(notes.seen, notes.current)))) {
      await rememberNotes(repo, notes);
      continue;
    }
    const lost = await lostRecords(repo, notes.seenRef);
    if (lost > 0) {
      await mergeNotes(repo, notes.seenRef);
      // The remote's notes as they are now too, so that a plain push of ours is a fast-forward there.
      if (notes.current) await mergeNotes(repo, notes.ref);
    }
    await rememberNotes(repo, notes);
    configured ??= new Set((await repo.remotes()).map(remoteNotesRef));
    if (lost > 0 && configured.has(notes.ref)) losses.push({ remote: notes.name, lost, deleted: !notes.current });
  }
  return losses;
}

/** The note lines of a remembered notes ref that no current notes ref holds on the same commit. */
async function lostRecords(repo: Repo, seenRef: string): Promise<number> {
  const [seen, now] = await Promise.all([indexNotes(repo, [seenRef]), noteRefs(repo).then((refs) => indexNotes(repo, refs.keys()))]);
  // A note blob still in a current ref holds the same lines: only the others are read.
  const changed = [...seen].filter(([commit, blobs]) => [...blobs.keys()].some((blob) => !now.get(commit)?.has(blob)));
  if (changed.length === 0) return 0;
  const lines = await noteLinesOf(
    repo,
    changed.flatMap(([commit, blobs]) => [...blobs.keys(), ...(now.get(commit)?.keys() ?? [])]),
  );
  const linesOf = (blobs: Iterable<string>) => new Set([...blobs].flatMap((blob) => lines.get(blob) ?? []));
  let lost = 0;
  for (const [commit, blobs] of changed) {
    const present = linesOf(now.get(commit)?.keys() ?? []);
    for (const line of linesOf(blobs.keys())) if (!present.has(line)) lost++;
  }
  return lost;
}

/**
 * The non-empty lines of note blobs, read as a stream (readNoteLines). A blob
 * over the cap that readers read (DESIGN 3.4, rule 8) is passed over: its
 * records never counted, so none of them is lost.
 */
async function noteLinesOf(repo: Repo, blobs: readonly string[]): Promise<Map<string, string[]>> {
  const wanted = [...new Set(blobs)];
  const lines = new Map<string, string[]>();
  let current: string[] = [];
  const sink = {
    begin: (_index: number, bytes: number) => {
      current = [];
      return bytes <= NOTE_MAX_BYTES;
    },
    line: (text: string) => {
      if (text.trim() !== '') current.push(text);
      return true;
    },
    end: (index: number) => void lines.set(wanted[index]!, current),
  };
  for await (const index of readNoteLines(repo, wanted, sink)) void index;
  return lines;
}
