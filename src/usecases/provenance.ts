import { signedEntries } from '../core/record.js';
import type { FileReport } from '../core/report.js';
import { selectFiles, type Selection } from '../core/selectFiles.js';
import { decodePathLossy } from '../git/repo.js';
import { validRecordsAt, type FindOptions, type SignedCommit } from './findSignedCommit.js';
import type { OwnWork } from './ownWork.js';
import type { ReleaseFiles } from './releaseFiles.js';

/** Where the bytes of a release file came from: a commit this clone did not create, and the release path it put them at. */
export interface ForeignOrigin {
  commit: string;
  path: string;
}

export interface OriginQuery {
  /** The commit checked (HEAD, for uncommitted files): its history is searched with every other tip. */
  start: string;
  /** The blobs to trace, with their SHA-512 digest where it is known. */
  blobs: ReadonlyMap<string, string | undefined>;
  /** The nearest signed commits of `start`: the search stops at them (and their valid records vouch for bytes). */
  signed: readonly SignedCommit[];
  /** The release files of `start`: bytes a foreign commit put only elsewhere (a source file a build copies) are not traced. */
  selection: Selection;
}

/**
 * DESIGN 3.1, ownership of content: the blobs that a commit this clone did
 * not create put at a release path, and that no valid record vouches for,
 * each with the newest such commit. Bytes copied from there stay foreign
 * whichever local command committed them (merge --squash, checkout <rev> --
 * path, restore --source, apply, cherry-pick).
 *
 * Where it looks, in one `git log --find-object` pass: everything `start`,
 * the refs (remote-tracking refs, tags, branches, pull-request refs), the
 * reflogs and FETCH_HEAD/MERGE_HEAD reach, down to the nearest signed
 * commits of `start` and no further. Bytes older than those are in a
 * history someone signed on top of; a commit nothing names any more
 * (FETCH_HEAD overwritten by a later fetch, `git bundle unbundle`) cannot be
 * found (SECURITY.md, "No laundering").
 *
 * A commit introduces a blob when its diff adds it at a path; a merge only
 * when its diff against every parent does (a merge of the user's own branch
 * does not make the user's bytes foreign).
 */
export async function foreignOrigins(
  ctx: Pick<FindOptions, 'repo' | 'notes' | 'policyAt' | 'anchors' | 'verifier'>,
  own: OwnWork,
  query: OriginQuery,
): Promise<Map<string, ForeignOrigin>> {
  const signedDigests = new Set(query.signed.flatMap((s) => Object.values(signedEntries(s.record)).map((e) => e.sha512)));
  const traced = [...query.blobs].filter(([, digest]) => digest === undefined || !signedDigests.has(digest)).map(([blob]) => blob);
  const origins = new Map<string, ForeignOrigin>();
  if (traced.length === 0) return origins;
  const tips = [query.start, ...own.reflogCommits, ...(await ctx.repo.pseudoRefCommits())];
  const diffs = await ctx.repo.blobIntroductions(
    traced,
    tips,
    query.signed.map((s) => s.commit),
  );

  // Per blob, the foreign commits that introduced it (newest first), with the release paths they put it at.
  const introduced = new Map<string, Map<string, { parents: number; diffs: number; paths: Set<string> }>>();
  for (const { commit, parents, added } of diffs) {
    if (own.isOwn(commit)) continue;
    for (const blob of new Set(added.map((a) => a.blob))) {
      let byCommit = introduced.get(blob);
      if (!byCommit) introduced.set(blob, (byCommit = new Map<string, { parents: number; diffs: number; paths: Set<string> }>()));
      let entry = byCommit.get(commit);
      if (!entry) byCommit.set(commit, (entry = { parents: parents.length, diffs: 0, paths: new Set() }));
      entry.diffs++;
      for (const a of added) if (a.blob === blob) entry.paths.add(decodePathLossy(a.path));
    }
  }

  const candidates = new Map<string, ForeignOrigin[]>();
  for (const [blob, byCommit] of introduced) {
    const found: ForeignOrigin[] = [];
    for (const [commit, entry] of byCommit) {
      // A merge adds the blob only if no parent had it: its diff against every parent adds it.
      if (entry.parents > 1 && entry.diffs < entry.parents) continue;
      const released = selectFiles(entry.paths, query.selection);
      if (released.length > 0) found.push({ commit, path: released[0]! });
    }
    if (found.length > 0) candidates.set(blob, found);
  }

  // Bytes that a valid record lists were vouched for by whoever signed them, wherever they are copied.
  const digests = new Map([...query.blobs].flatMap(([blob, digest]) => (digest === undefined ? [] : [[blob, digest] as const])));
  for (const [blob, digest] of await ctx.repo.hashBlobs([...candidates.keys()].filter((b) => !digests.has(b)))) digests.set(blob, digest);
  const listsDigest = async (commit: string, digest: string) =>
    ctx.notes.has(commit) &&
    (await validRecordsAt(ctx, commit)).some((r) => Object.values(signedEntries(r)).some((e) => e.sha512 === digest));
  for (const [blob, found] of candidates) {
    const digest = digests.get(blob) ?? '';
    if (signedDigests.has(digest)) continue;
    let vouched = false;
    for (const { commit } of found) if (!vouched) vouched = await listsDigest(commit, digest);
    if (!vouched) origins.set(blob, found[0]!);
  }
  return origins;
}

/** Whether a listed file is the user's own change at a commit, and if not, which foreign commit its bytes came from. */
export interface Ownership {
  own: boolean;
  /** Not own: the foreign commit that last changed it, or that the bytes an own commit holds came from. */
  changedBy?: string;
  /** The bytes came from `changedBy` through this own commit (merge --squash, checkout <rev> -- path, apply…). */
  copiedBy?: string;
  /** Where `changedBy` had those bytes, when that is another path. */
  copiedFrom?: string;
}

/** What a failing file's report says of where it came from. */
export const originOf = ({ changedBy, copiedBy, copiedFrom }: Ownership): Pick<FileReport, 'changedBy' | 'copiedBy' | 'copiedFrom'> => ({
  ...(changedBy ? { changedBy } : {}),
  ...(copiedBy ? { copiedBy } : {}),
  ...(copiedFrom ? { copiedFrom } : {}),
});

/**
 * DESIGN 3.1, ownership of content: a file is the user's own when the
 * commit that last changed it is the user's (the reflogs show this clone
 * creating it, pushed since or not) and its bytes came from no commit this
 * clone did not create — one pass of git over the region above the nearest
 * signed commits for all the files at once (usecases/provenance.ts). A
 * deleted file has no bytes to trace: its deletion is its last change.
 */
export async function judgeOwnership(
  ctx: Pick<FindOptions, 'repo' | 'notes' | 'policyAt' | 'anchors' | 'verifier'>,
  own: OwnWork,
  at: { commit: string; files: ReleaseFiles; selection: Selection; signed: readonly SignedCommit[] },
  paths: readonly string[],
): Promise<Map<string, Ownership>> {
  const verdicts = new Map<string, Ownership>();
  const traced = new Map<string, { blob: string; by: string }>();
  for (const path of new Set(paths)) {
    const by = await ctx.repo.lastChange(at.commit, path);
    const blob = at.files.blobs.get(path);
    if (by === undefined || !own.isOwn(by)) verdicts.set(path, { own: false, ...(by ? { changedBy: by } : {}) });
    else if (blob === undefined) verdicts.set(path, { own: true });
    else traced.set(path, { blob, by });
  }
  const blobs = new Map([...traced].map(([path, { blob }]) => [blob, at.files.entries.get(path)?.sha512] as const));
  const origins = await foreignOrigins(ctx, own, { start: at.commit, blobs, signed: at.signed, selection: at.selection });
  for (const [path, { blob, by }] of traced) {
    const origin = origins.get(blob);
    verdicts.set(
      path,
      origin
        ? { own: false, changedBy: origin.commit, copiedBy: by, ...(origin.path !== path ? { copiedFrom: origin.path } : {}) }
        : { own: true },
    );
  }
  return verdicts;
}
