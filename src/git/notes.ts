import { createHash } from 'node:crypto';
import { stripUserInfo } from '../core/context.js';
import { NOTE_MAX_BYTES } from '../core/record.js';
import { KmssigError } from '../errors.js';
import { messages } from '../messages.js';
import { catFileBatchLines, parseNotesList, parseRefList } from './parse.js';
import type { Repo } from './repo.js';
import { runnerOf } from './runners.js';

/** Where records live (DESIGN 2.3). */
export const NOTES_REF = 'refs/notes/kmssig';

/** The remote-tracking notes ref of a remote (a name, or a URL pushed to directly). */
export function remoteNotesRef(remote: string): string {
  // A URL's credentials stay out of ref names, even hashed (a short hash of a short password is guessable).
  const name = /^[A-Za-z0-9._-]+$/.test(remote)
    ? remote
    : `url-${createHash('sha256').update(stripUserInfo(remote)).digest('hex').slice(0, 12)}`;
  return `refs/notes/remotes/${name}/kmssig`;
}

/** The note refs readers take the union of: ours and every remote's. */
export async function noteRefs(repo: Repo): Promise<Map<string, string>> {
  const out = await runnerOf(repo).text(['for-each-ref', '--format=%(objectname) %(refname)', NOTES_REF, 'refs/notes/remotes/']);
  const refs = new Map<string, string>();
  for (const [ref, oid] of parseRefList(out))
    if (ref === NOTES_REF || /^refs\/notes\/remotes\/[^/]+\/kmssig$/.test(ref)) refs.set(ref, oid);
  return refs;
}

/**
 * Where this clone keeps, per remote, the last value of that remote's notes
 * ref that a verification read: a ref, so that git's gc keeps its records;
 * under refs/notes/, where `git notes --ref` and `git notes merge` find it
 * (they put refs/notes/ before any other name); and outside
 * refs/notes/remotes/, which a fetch with prune may delete. Readers do not
 * take it into their union (noteRefs): what it holds that the remote lost is
 * merged into refs/notes/kmssig.
 */
const NOTES_SEEN = 'refs/notes/kmssig-seen/';

/** A remote's notes ref as it is now, beside the value this clone saw last (either may be missing). */
export interface RemoteNotes {
  /** The remote's part of the ref name (`origin`, or `url-<hash>` for a URL pushed to directly). */
  name: string;
  ref: string;
  current?: string;
  seenRef: string;
  seen?: string;
}

/** Every remote's notes ref and this clone's memory of it, from one for-each-ref. */
export async function remoteNotesSeen(repo: Repo): Promise<RemoteNotes[]> {
  const refs = parseRefList(
    await runnerOf(repo).text(['for-each-ref', '--format=%(objectname) %(refname)', 'refs/notes/remotes/', NOTES_SEEN]),
  );
  const names = new Set<string>();
  for (const ref of refs.keys()) {
    const name =
      /^refs\/notes\/remotes\/([^/]+)\/kmssig$/.exec(ref)?.[1] ?? (ref.startsWith(NOTES_SEEN) ? ref.slice(NOTES_SEEN.length) : undefined);
    if (name) names.add(name);
  }
  return [...names].sort().map((name) => {
    const ref = `refs/notes/remotes/${name}/kmssig`;
    const seenRef = `${NOTES_SEEN}${name}`;
    return { name, ref, current: refs.get(ref), seenRef, seen: refs.get(seenRef) };
  });
}

/** Remembers a remote's notes as they are now (or forgets them, when its ref is gone). */
export async function rememberNotes(repo: Repo, notes: RemoteNotes): Promise<void> {
  if (notes.current) await repo.updateRef(notes.seenRef, notes.current);
  else await repo.deleteRef(notes.seenRef);
}

/**
 * commit -> note blob id -> the note refs that hold it, over all note refs:
 * one `git notes list` per ref, never one git process per commit.
 */
export async function indexNotes(repo: Repo, refs: Iterable<string>): Promise<Map<string, Map<string, string[]>>> {
  const names = [...refs];
  const index = new Map<string, Map<string, string[]>>();
  const lists = await Promise.all(names.map((ref) => runnerOf(repo).text(['notes', `--ref=${ref}`, 'list'])));
  lists.forEach((out, i) => {
    for (const { blob, commit } of parseNotesList(out)) {
      let blobs = index.get(commit);
      if (!blobs) index.set(commit, (blobs = new Map<string, string[]>()));
      const holders = blobs.get(blob);
      if (holders) holders.push(names[i]!);
      else blobs.set(blob, [names[i]!]);
    }
  });
  return index;
}

/** What a reader of note blobs is told, blob by blob (readNoteLines). */
export interface NoteSink {
  /** The blob at `index` of the request begins, `bytes` long; false: it is not read (counted past, never kept). */
  begin(index: number, bytes: number): boolean;
  /** One line of that blob (without its newline); false: the rest of the blob is not read. */
  line(text: string): boolean;
  /** The blob at `index` has ended. */
  end(index: number): void;
}

/**
 * Reads note blobs through one `git cat-file --batch`, as a stream: each
 * blob's lines go to the sink as they arrive, and no blob is held whole.
 * Yields the index of each blob once it has ended, and reads no further
 * output until the caller asks for the next one, so a caller that acts on a
 * note before the next one is read keeps memory flat; leaving the loop early
 * ends the git process. GIT when a blob is missing or git fails.
 */
export async function* readNoteLines(repo: Repo, blobs: readonly string[], sink: NoteSink): AsyncGenerator<number, void, undefined> {
  if (blobs.length === 0) return;
  const child = runnerOf(repo).spawn(['cat-file', '--batch']);
  const stderr: Buffer[] = [];
  child.stderr!.on('data', (d: Buffer) => stderr.push(d));
  const exited = new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  exited.catch(() => {}); // awaited below; an early end must not leave it unhandled
  let index = 0;
  const done: number[] = [];
  let failure: KmssigError | undefined;
  const reader = catFileBatchLines({
    object(header) {
      if ('missing' in header || header.type !== 'blob') {
        failure ??= new KmssigError('GIT', messages.noteUnreadable('missing' in header ? header.missing || blobs[index]! : header.oid));
        return false;
      }
      return sink.begin(index, header.size);
    },
    line: (line) => sink.line(line.toString('utf8')),
    end() {
      sink.end(index);
      done.push(index++);
    },
  });
  child.stdin!.on('error', () => {}); // git may exit before reading all input; its exit code tells
  child.stdin!.end(blobs.join('\n') + '\n');
  let finished = false;
  try {
    for await (const chunk of child.stdout! as AsyncIterable<Buffer>) {
      reader.feed(chunk);
      if (failure) throw failure;
      while (done.length > 0) yield done.shift()!;
    }
    finished = true;
  } finally {
    if (!finished) child.kill();
  }
  const code = await exited;
  if (code !== 0 || index !== blobs.length || !reader.complete())
    throw new KmssigError('GIT', `git cat-file --batch failed: ${Buffer.concat(stderr).toString('utf8').trim() || `exit ${code}`}`);
}

/**
 * Adds record lines to the note of a commit on refs/notes/kmssig. The note
 * stays sorted and free of duplicates, the form `cat_sort_uniq` merges produce.
 */
export async function addNoteLines(repo: Repo, commit: string, lines: string[]): Promise<boolean> {
  const existing = (await runnerOf(repo).maybe(['notes', `--ref=${NOTES_REF}`, 'show', commit])) ?? '';
  const all = new Set(existing.split('\n').filter((l) => l.trim() !== ''));
  const before = all.size;
  for (const line of lines) all.add(line);
  if (all.size === before) return false;
  const text = [...all].sort().join('\n') + '\n';
  // Readers do not read a note over the cap (DESIGN 3.4, rule 8): never write one.
  if (Buffer.byteLength(text) > NOTE_MAX_BYTES)
    throw new KmssigError('CONFIG', messages.noteTooLargeToWrite(commit, Buffer.byteLength(text), NOTE_MAX_BYTES));
  // The text goes into a blob first and the note then takes that whole blob: a
  // process killed while writing leaves at most an unreferenced blob. With
  // `add -F -`, git would store whatever part of the text reached it (and an
  // empty text removes the note with every record on it).
  const blob = (await runnerOf(repo).bytes(['hash-object', '-w', '--stdin'], text)).toString('utf8').trim();
  await runnerOf(repo).bytes(['notes', `--ref=${NOTES_REF}`, 'add', '-f', '-C', blob, commit], undefined, await identityEnv(repo));
  return true;
}

/** Whether the remote already has every record of ours: nothing local, or ours is in its tracking ref. */
export async function notesPublished(repo: Repo, remote: string): Promise<boolean> {
  if (!(await repo.resolve(NOTES_REF))) return true;
  return repo.isAncestor(NOTES_REF, remoteNotesRef(remote));
}

/** After a push of our notes, the remote's tracking notes ref is what was pushed. */
export async function markNotesPublished(repo: Repo, remote: string): Promise<void> {
  await repo.updateRef(remoteNotesRef(remote), NOTES_REF);
}

/** Merges another notes ref into ours by the union of lines. */
export async function mergeNotes(repo: Repo, from: string): Promise<void> {
  if (!(await runnerOf(repo).maybe(['rev-parse', '--verify', '--quiet', from]))) return;
  await runnerOf(repo).bytes(
    ['notes', `--ref=${NOTES_REF}`, 'merge', '-q', '-s', 'cat_sort_uniq', from],
    undefined,
    await identityEnv(repo),
  );
}

/**
 * Fetches a remote's notes into its remote-tracking notes ref. Resolves false
 * when the remote has no notes yet; throws GIT when the remote cannot be reached.
 */
export async function fetchNotes(repo: Repo, remote: string): Promise<boolean> {
  const target = remoteNotesRef(remote);
  try {
    await runnerOf(repo).bytes(['fetch', '--quiet', '--no-tags', '--no-write-fetch-head', remote, `+${NOTES_REF}:${target}`]);
    return true;
  } catch (error) {
    if (/couldn't find remote ref/i.test(fullText(error))) return false;
    throw error;
  }
}

export type PushOutcome = 'pushed' | 'up-to-date' | 'rejected';

/**
 * Pushes refs/notes/kmssig without running hooks. Only a lost race (another
 * pusher got there first: fetch first, non-fast-forward, stale info, a ref
 * lock) is 'rejected', to be merged and retried; a refusal by the server
 * (a pre-receive hook, push rules, a protected ref) can never pass by
 * retrying, so it throws with the server's own reason and `remote:` lines.
 */
export async function pushNotes(repo: Repo, remote: string): Promise<PushOutcome> {
  try {
    const out = await runnerOf(repo).bytes(['push', '--no-verify', '--porcelain', remote, `${NOTES_REF}:${NOTES_REF}`]);
    return /\[up to date\]/.test(out.toString('utf8')) ? 'up-to-date' : 'pushed';
  } catch (error) {
    const refusal = pushRefusal(fullText(error));
    if (refusal === 'race') return 'rejected';
    if (refusal)
      throw new KmssigError('GIT', messages.notesPushRefused(stripUserInfo(remote), refusal.reason, refusal.said), { cause: error });
    throw error;
  }
}

const RACE =
  /^(fetch first|non-fast-forward|stale info|failed to lock|cannot lock ref.*|incorrect old value provided|failed to update ref)$/i;

/** Reads git's porcelain status line of the notes ref: 'race', the server's refusal, or undefined (not a refusal). */
export function pushRefusal(text: string): 'race' | { reason: string; said: string[] } | undefined {
  const lines = text.split('\n');
  const status = lines.find((l) => l.startsWith('!') && l.includes(NOTES_REF));
  if (!status) return undefined;
  const reason = /\[(?:remote )?rejected\]\s*\((.*)\)\s*$/.exec(status)?.[1] ?? status.replace(/^!\s*/, '');
  if (RACE.test(reason.trim()) || /cannot lock ref|failed to lock/i.test(reason)) return 'race';
  // A server's message must not move the cursor or colour the terminal: control characters go.
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  const printable = (l: string) => l.replace(/[\u0000-\u001f\u007f-\u009f]/g, '').trim();
  const said = lines
    .filter((l) => l.startsWith('remote:'))
    .map((l) => printable(l.slice('remote:'.length)))
    .filter(Boolean)
    .slice(0, 10);
  return { reason: printable(reason), said };
}

// A notes update is a commit; CI machines often have no identity configured.
async function identityEnv(repo: Repo): Promise<NodeJS.ProcessEnv | undefined> {
  if (await runnerOf(repo).maybe(['var', 'GIT_COMMITTER_IDENT'])) return undefined;
  const id = { name: 'kmssig', email: 'kmssig@localhost' };
  return { GIT_AUTHOR_NAME: id.name, GIT_AUTHOR_EMAIL: id.email, GIT_COMMITTER_NAME: id.name, GIT_COMMITTER_EMAIL: id.email };
}

function fullText(error: unknown): string {
  const own = (error as Error)?.message ?? '';
  const cause = (error as { cause?: Error })?.cause?.message ?? '';
  return `${own}\n${cause}`;
}
