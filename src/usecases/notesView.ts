import { createHash } from 'node:crypto';
import { NOTE_MAX_BYTES, parseRecord, type ParsedRecord } from '../core/record.js';
import { indexNotes, noteRefs, readNoteLines } from '../git/notes.js';
import type { Repo } from '../git/repo.js';
import { messages } from '../messages.js';

/**
 * Gathers what a caller needs of one commit's notes while they stream past
 * (NotesView.sift): nothing is kept unless the sieve keeps it.
 */
export interface Sieve<T> {
  /** One record line (trimmed, not blank) and the note refs whose note holds it; false: enough, the rest of this commit's notes is not read. */
  add(line: string, refs: readonly string[]): boolean;
  /** A note that was not read: `bytes` is over NOTE_MAX_BYTES. */
  tooLarge(refs: readonly string[], bytes: number): void;
  result(): T;
}

/** The union of all kmssig note refs (DESIGN 2.3), read once per run. */
export interface NotesView {
  /** Note ref -> commit it points at; part of what a cached decision is keyed by. */
  refs: Map<string, string>;
  has(commit: string): boolean;
  /** Every commit that has a note. */
  commits(): Iterable<string>;
  /** Every parsed record of these commits, in one git call: for the few commits a caller names (sign, log). */
  records(commits: string[]): Promise<Map<string, ParsedRecord[]>>;
  /**
   * The notes of these commits, one commit after the other in this order,
   * each read line by line into a sieve of its own (DESIGN 3.4, rule 8): a
   * note over NOTE_MAX_BYTES is never read, a line seen in two refs is handed
   * over once, and the next note is read only when the caller asks for it,
   * so memory stays flat whatever the notes hold. One git process.
   */
  sift<T>(commits: readonly string[], open: (commit: string) => Sieve<T>): AsyncGenerator<[string, T], void, undefined>;
}

export async function loadNotes(repo: Repo): Promise<NotesView> {
  const refs = await noteRefs(repo);
  const index = await indexNotes(repo, refs.keys());
  const view: NotesView = {
    refs,
    has: (commit) => index.has(commit),
    commits: () => index.keys(),
    records: (commits) => collectRecords(view, commits),
    sift: (commits, open) => siftNotes(repo, index, commits, open),
  };
  return view;
}

/** The sieve that keeps everything: a note over the cap is one unreadable record naming its refs. */
export function keepAll(): Sieve<ParsedRecord[]> {
  const kept: ParsedRecord[] = [];
  return {
    add(line) {
      kept.push(parseRecord(line));
      return true;
    },
    tooLarge: (refs, bytes) => void kept.push({ ok: false, reason: messages.noteTooLarge(refs, bytes, NOTE_MAX_BYTES), line: '' }),
    result: () => kept,
  };
}

/** records() over sift(): every record of each commit. */
export async function collectRecords(view: Pick<NotesView, 'sift'>, commits: string[]): Promise<Map<string, ParsedRecord[]>> {
  const result = new Map<string, ParsedRecord[]>();
  for await (const [commit, parsed] of view.sift(commits, keepAll)) result.set(commit, parsed);
  return result;
}

/**
 * sift() over records already parsed (a view built in memory, such as a
 * test's): the same order and the same stop, without git.
 */
export async function* siftParsed<T>(
  records: (commits: string[]) => Promise<Map<string, ParsedRecord[]>>,
  commits: readonly string[],
  open: (commit: string) => Sieve<T>,
): AsyncGenerator<[string, T], void, undefined> {
  const parsed = await records([...commits]);
  for (const commit of commits) {
    const sieve = open(commit);
    for (const p of parsed.get(commit) ?? []) if (!sieve.add(p.line, [])) break;
    yield [commit, sieve.result()];
  }
}

async function* siftNotes<T>(
  repo: Repo,
  index: Map<string, Map<string, string[]>>,
  commits: readonly string[],
  open: (commit: string) => Sieve<T>,
): AsyncGenerator<[string, T], void, undefined> {
  // Each commit's blobs one after the other; a blob that two refs hold (the same note) is read once.
  const requests: { commit: string; blob: string; refs: string[]; last: boolean }[] = [];
  for (const commit of commits) {
    const blobs = [...(index.get(commit) ?? new Map<string, string[]>())];
    blobs.forEach(([blob, refs], i) => requests.push({ commit, blob, refs, last: i === blobs.length - 1 }));
  }
  interface Open {
    sieve: Sieve<T>;
    enough: boolean;
    /** Lines already handed over, when the commit has notes in more than one blob (the refs differ). */
    seen?: Set<string>;
  }
  const opened = new Map<string, Open>();
  let current: { request: (typeof requests)[number]; state: Open } | undefined;
  const sink = {
    begin(i: number, bytes: number) {
      const request = requests[i]!;
      let state = opened.get(request.commit);
      if (!state) {
        const several = (index.get(request.commit)?.size ?? 0) > 1;
        opened.set(
          request.commit,
          (state = { sieve: open(request.commit), enough: false, ...(several ? { seen: new Set<string>() } : {}) }),
        );
      }
      current = { request, state };
      if (state.enough) return false;
      if (bytes > NOTE_MAX_BYTES) {
        state.sieve.tooLarge(request.refs, bytes);
        return false;
      }
      return true;
    },
    line(text: string) {
      const { request, state } = current!;
      const line = text.trim();
      if (line === '') return true;
      if (state.seen) {
        const key = createHash('sha1').update(line).digest('base64');
        if (state.seen.has(key)) return true;
        state.seen.add(key);
      }
      if (state.sieve.add(line, request.refs)) return true;
      state.enough = true;
      return false;
    },
    end() {},
  };
  let next = 0; // the next commit to hand over
  const handOver = function* (upTo: number): Generator<[string, T]> {
    for (; next < upTo; next++) {
      const commit = commits[next]!;
      const state = opened.get(commit);
      opened.delete(commit);
      yield [commit, (state?.sieve ?? open(commit)).result()];
    }
  };
  for await (const i of readNoteLines(
    repo,
    requests.map((r) => r.blob),
    sink,
  )) {
    const request = requests[i]!;
    if (!request.last) continue;
    // Hand over every commit up to this one (those before it without notes, too).
    yield* handOver(commits.indexOf(request.commit, next) + 1);
  }
  yield* handOver(commits.length);
}
