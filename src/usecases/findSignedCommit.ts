import { openPolicy, policyProblem, type Policy, type PolicyAt } from '../core/policy.js';
import { claimOf, NOTE_MAX_BYTES, parseRecordUnless, type SignatureRecord } from '../core/record.js';
import { KmssigError, isKmssigError } from '../errors.js';
import type { Repo } from '../git/repo.js';
import { messages } from '../messages.js';
import type { NotesView, Sieve } from './notesView.js';
import type { RecordVerifier } from './verifyRecord.js';

/** Records that were found and did not count, with the reason (`count` of them when more than one said the same). */
export interface Rejection {
  commit: string;
  reason: string;
  count?: number;
}

/** How many records the rejections stand for. */
export const rejectedRecords = (rejected: readonly Rejection[]) => rejected.reduce((sum, r) => sum + (r.count ?? 1), 0);

export interface SignedCommit {
  commit: string;
  record: SignatureRecord;
}

export interface Walk {
  /** The nearest signed commits, nearest first, each with a valid record (a merge can have one per side). */
  found: SignedCommit[];
  rejected: Rejection[];
  /** Why the walk ended without a find: the bound, a shallow clone's end, or the real root. */
  end?: 'bound' | 'shallow' | 'root';
  walked: number;
}

export interface FindOptions {
  repo: Repo;
  notes: NotesView;
  start: string;
  /** The policy a record at a given commit must satisfy (trust anchors, DESIGN 3.4). */
  policyAt(commit: string): Promise<PolicyAt>;
  /** The policy of flags and pin alone: a record it refuses is refused whatever the signed configuration says. */
  anchors?: Policy;
  verifier: RecordVerifier;
  maxCommits: number;
  /**
   * A record that covers what is verified: tried first on each commit, and
   * once one is valid the commit's other records are not verified. The walk
   * itself goes on until every path has met a signed commit, since a newer
   * one on another path may supersede it (DESIGN 3.1, no rollback).
   */
  covers?: (record: SignatureRecord) => boolean;
  /** Commits streamed before the region walk is tried (default PROBE; tests choose either way). */
  probe?: number;
}

const FIRST_BATCH = 16;
const MAX_BATCH = 4096;
/** Commits the streaming walk lists before it asks git for the region without notes instead (most walks end sooner). */
const PROBE = 1024;
/** Region walks tried while each ends on records that turn out not to count (each costs a traversal in git). */
const REGION_ATTEMPTS = 3;
/**
 * The region walk reads every note's records to know which commits to leave
 * out; with more notes than this (a notes ref anyone can push to) it is
 * left to the streaming walk, which reads only the notes on its way.
 */
const REGION_MAX_NOTES = 10_000;

/**
 * Records on one commit that may claim to count: more are not kept (DESIGN
 * 3.4, rule 8). A commit has one record per ref and key it was signed for;
 * a note with more claims than this that the policy allows was filled by
 * someone, and at most MAX_KMS_FAILURES of them would be tried anyway.
 */
export const MAX_CLAIMS = 64;

/**
 * A commit's notes as the walk keeps them while they stream past: the
 * records the anchors allow, one per claim, and why the others did not
 * count, counted by reason.
 */
export interface Sifted {
  plausible: { record: SignatureRecord; line: string; refs: readonly string[] }[];
  rejected: Map<string, number>;
  /** More records that the anchors allow than MAX_CLAIMS: the rest was not read (the refs they came from). */
  flooded?: readonly string[];
}

/**
 * The walk's sieve for one commit (see Sifted): the anchors (key, ref,
 * context) and the pinned keys (an algorithm with no key to check it) refuse
 * before anything else, and cost nothing.
 */
export function walkSieve(anchors: Policy, verifier: Pick<RecordVerifier, 'refuses'>, commit: string): Sieve<Sifted> {
  const sifted: Sifted = { plausible: [], rejected: new Map() };
  const claims = new Map<string, { refs: string[] }>();
  const reject = (reason: string) => sifted.rejected.set(reason, (sifted.rejected.get(reason) ?? 0) + 1);
  return {
    add(line, refs) {
      // The pins judge a record's head before its files are read (the costly part of a big record).
      const parsed = parseRecordUnless(line, (head) => policyProblem(head, anchors, commit) ?? verifier.refuses?.(head));
      if (!parsed.ok) {
        reject('refused' in parsed ? parsed.refused : `unreadable record: ${parsed.reason}`);
        return true;
      }
      // Identical claims (the same signed part and signature; signedAt or formatting aside) are judged once.
      const claim = claimOf(parsed.record);
      const same = claims.get(claim);
      if (same) {
        for (const ref of refs) if (!same.refs.includes(ref)) same.refs.push(ref);
        return true;
      }
      if (sifted.plausible.length >= MAX_CLAIMS) {
        sifted.flooded = [...refs];
        return false;
      }
      const entry = { record: parsed.record, line: parsed.line, refs: [...refs] };
      claims.set(claim, entry);
      sifted.plausible.push(entry);
      return true;
    },
    tooLarge(refs, bytes) {
      reject(messages.noteTooLarge(refs, bytes, NOTE_MAX_BYTES));
    },
    result: () => sifted,
  };
}

/** The verdict on one commit's records: the valid ones, and why the others did not count. */
interface Judged {
  valid: SignatureRecord[];
  rejected: Rejection[];
}
/** Judges each commit's records once per walk, and remembers which commits had none that count. */
interface Judge {
  judge(commit: string, sifted: Sifted): Promise<Judged>;
  /** Whether a commit has been judged (its notes need not be read again). */
  has(commit: string): boolean;
  failed: Set<string>;
}

function createJudge(options: FindOptions): Judge {
  const verdicts = new Map<string, Promise<Judged>>();
  const failed = new Set<string>();
  const judge = (commit: string, sifted: Sifted) => {
    let verdict = verdicts.get(commit);
    if (!verdict) {
      verdict = validRecords(options, commit, sifted).then((v) => {
        if (v.valid.length === 0) failed.add(commit);
        return v;
      });
      verdicts.set(commit, verdict);
    }
    return verdict;
  };
  return { judge, has: (commit) => verdicts.has(commit), failed };
}

/** A commit that is judged already: its verdict is kept, so its notes are not read again. */
const JUDGED: Sifted = { plausible: [], rejected: new Map() };

/** The sifted notes of these commits, in order; those already judged without reading their notes again. */
async function* siftFor(options: FindOptions, judge: Judge, commits: readonly string[]): AsyncGenerator<[string, Sifted]> {
  const anchors = options.anchors ?? openPolicy;
  const unread = new Set(commits.filter((c) => !judge.has(c)));
  const sifting = unread.size > 0 ? options.notes.sift([...unread], (c) => walkSieve(anchors, options.verifier, c)) : undefined;
  try {
    for (const commit of commits) {
      if (!unread.has(commit)) yield [commit, JUDGED];
      else {
        const next = await sifting!.next();
        if (next.done || next.value[0] !== commit) throw new KmssigError('INTERNAL', `notes of ${commit} were not read in order`);
        yield next.value;
      }
    }
  } finally {
    await sifting?.return(undefined);
  }
}

/**
 * DESIGN 3, rule 1: walk the history of `start` (start first) and, on every
 * path, stop at the first commit with a valid record. A commit is reached when
 * some child was reached and is not signed, whatever order git lists them in,
 * so the answer never depends on commit dates.
 *
 * Most walks end within a few commits of `start`: the walk streams and ends as
 * soon as no path is left open. One that has
 * not ended after PROBE commits asks git for the region below `start` that no
 * noted commit reaches (regionWalk), which costs one traversal inside git
 * instead of a line per commit here; where that answer is not certain, the
 * streaming walk runs to its end. Each commit's records are judged once, and
 * its notes are read once, as a stream, just before it is judged.
 */
export async function findSignedCommit(options: FindOptions): Promise<Walk> {
  const judge = createJudge(options);
  const probe = options.probe ?? PROBE;
  if (probe < options.maxCommits) {
    const near = await streamWalk(options, judge, probe);
    if (near) return near;
    for (let attempt = 0; attempt < REGION_ATTEMPTS; attempt++) {
      const region = await regionWalk(options, judge);
      if (region === undefined) break;
      if (region !== 'again') return region;
    }
  }
  return (await streamWalk(options, judge))!;
}

/** The streaming walk; undefined when it listed `limit` commits without an answer. */
async function streamWalk(options: FindOptions, judge: Judge, limit = Infinity): Promise<Walk | undefined> {
  const { repo, start, maxCommits } = options;
  const rejected: Rejection[] = [];
  const found: SignedCommit[] = [];
  // Commits git listed before any child of theirs was reached (only with skewed dates), with their parents.
  const waiting = new Map<string, string[]>();
  const reached = new Set<string>([start]);
  const decided = new Set<string>();
  const records = new Map<string, Sifted>(); // noted commits listed and not yet decided
  let walked = 0;
  let open = 1; // reached and not yet decided

  const openParents = (parents: readonly string[], queue: string[]) => {
    for (const parent of parents) {
      if (reached.has(parent)) continue;
      reached.add(parent);
      open++;
      if (waiting.has(parent)) queue.push(parent);
    }
  };
  // Decides a reached commit that git has listed; opens its parents unless it is signed.
  const decide = async (commit: string, parents: readonly string[]): Promise<void> => {
    const queue: string[] = [];
    let next: { commit: string; parents: readonly string[] } | undefined = { commit, parents };
    while (next) {
      const c = next.commit;
      decided.add(c);
      open--;
      let signed: SignatureRecord[] = [];
      const sifted = records.get(c);
      if (sifted) {
        records.delete(c);
        const verdict = await judge.judge(c, sifted);
        rejected.push(...verdict.rejected);
        signed = verdict.valid;
      }
      // A covering record does not end the walk: another path may reach a newer signed commit that supersedes it (no rollback).
      if (signed.length > 0) found.push(...signed.map((record) => ({ commit: c, record })));
      else openParents(next.parents, queue);
      const later = queue.shift();
      next = later === undefined ? undefined : { commit: later, parents: waiting.get(later)! };
      if (later !== undefined) waiting.delete(later);
    }
  };

  // Commits are taken from the stream in batches that grow (16, 64, 256, ...), and
  // the notes of a batch are read by one git process: the nearest signed commit
  // costs one small read, a long run of records that do not count a handful.
  // The notes stream in step with the commits, so each is judged before the
  // next is read. A commit without notes is decided without waiting on anything.
  let batch: { commit: string; parents: string[] }[] = [];
  let size = FIRST_BATCH;
  const drain = async (): Promise<boolean> => {
    const noted = batch.map((e) => e.commit).filter((c) => options.notes.has(c));
    const sifting = siftFor(options, judge, noted);
    try {
      for (const { commit, parents } of batch) {
        walked++;
        if (options.notes.has(commit)) {
          const next = await sifting.next();
          if (!next.done) records.set(commit, next.value[1]);
        }
        if (!reached.has(commit)) waiting.set(commit, parents);
        else if (decided.has(commit)) continue;
        else if (!records.has(commit) && waiting.size === 0) {
          decided.add(commit);
          open--;
          openParents(parents, []);
        } else await decide(commit, parents);
        if (open === 0) return true;
      }
    } finally {
      await sifting.return(undefined);
    }
    batch = [];
    size = Math.min(size * 4, MAX_BATCH);
    return false;
  };
  let stopped = false;
  let cut = false;
  for await (const entry of repo.history([`--max-count=${maxCommits}`, start])) {
    batch.push(entry);
    if (batch.length >= size || walked + batch.length >= limit) {
      if ((stopped = await drain())) break;
      if (walked >= limit) {
        cut = true;
        break;
      }
    }
  }
  if (!stopped && !cut && batch.length > 0) stopped = await drain();
  if (cut) return undefined;
  if (found.length > 0) return { found, rejected, walked };
  // A shallow clone's last commits are listed without parents: its end is not the real root.
  const end = open > 0 && walked >= maxCommits ? 'bound' : (await repo.isShallow()) ? 'shallow' : 'root';
  return { found, rejected, end, walked };
}

/**
 * The same answer from git's side, for a walk that went deep. Let S be the
 * noted commits with a record the anchors allow. `rev-list --boundary start
 * --not S` lists the region R that start reaches without passing a commit of
 * S, and the commits where R ends. When every such end is a commit of S with
 * a valid record, those ends are exactly what the streaming walk finds: every
 * path from start runs through R until it meets one of them, and R holds no
 * commit with a record that counts. An end whose records do not count is
 * 'again' (leave it out of S and ask once more); anything else uncertain
 * (an end without a note, nothing reached, the bound) is left to the
 * streaming walk.
 */
async function regionWalk(options: FindOptions, judge: Judge): Promise<Walk | 'again' | undefined> {
  const { notes, repo, start, maxCommits } = options;
  const noted = [...notes.commits()];
  if (noted.length > REGION_MAX_NOTES) return undefined;
  const anchors = options.anchors ?? openPolicy;
  // Whether a note holds a record the anchors allow: read up to the first one, keeping nothing.
  const plausible = new Set<string>();
  const candidates = noted.filter((c) => !judge.failed.has(c));
  for await (const [c, allowed] of notes.sift(candidates, (commit) => anyAllowed(anchors, commit))) if (allowed) plausible.add(c);
  if (plausible.has(start)) return undefined;
  const { inside, boundary } = await repo.boundaryOf(start, plausible, maxCommits);
  if (boundary.length === 0 || !boundary.every((c) => plausible.has(c)) || inside.length + boundary.length > maxCommits) return undefined;
  const rejected: Rejection[] = [];
  // Records in R that did not count (refused by the anchors, or judged during the probe): the streaming walk passes them, saying why.
  for await (const [c, sifted] of siftFor(
    options,
    judge,
    inside.filter((c) => notes.has(c)),
  ))
    rejected.push(...(await judge.judge(c, sifted)).rejected);
  const found: SignedCommit[] = [];
  for await (const [c, sifted] of siftFor(options, judge, boundary)) {
    const verdict = await judge.judge(c, sifted);
    // That record does not count after all: judge.failed has it now, and the next region goes past it.
    if (verdict.valid.length === 0) return 'again';
    rejected.push(...verdict.rejected);
    found.push(...verdict.valid.map((record) => ({ commit: c, record })));
  }
  return { found, rejected, walked: inside.length + boundary.length };
}

/**
 * The valid records of one commit (DESIGN 3, rule 2), judged as the walk
 * judges them: the anchors while its note streams, then the policy at that
 * commit, then KMS (provenance asks this of the commits a blob came from).
 */
export async function validRecordsAt(
  options: Pick<FindOptions, 'notes' | 'policyAt' | 'anchors' | 'verifier'>,
  commit: string,
): Promise<SignatureRecord[]> {
  if (!options.notes.has(commit)) return [];
  const anchors = options.anchors ?? openPolicy;
  for await (const [, sifted] of options.notes.sift([commit], (c) => walkSieve(anchors, options.verifier, c)))
    return (await validRecords(options, commit, sifted)).valid;
  return [];
}

/** A sieve that tells whether a commit's notes hold a record the anchors allow, and stops reading at the first. */
function anyAllowed(anchors: Policy, commit: string): Sieve<boolean> {
  let allowed = false;
  return {
    add(line) {
      allowed = parseRecordUnless(line, (head) => policyProblem(head, anchors, commit)).ok;
      return !allowed;
    },
    tooLarge() {},
    result: () => allowed,
  };
}

/**
 * The records of a commit that count: the anchors have refused what they
 * refuse while the notes streamed (no KMS call); then the policy at the
 * commit, then signatures, covering ones first. KMS is asked about at most
 * MAX_CLAIMS records of a commit, and the verifier stops a run after a few
 * that fail: then, and when a flooded note left claims unread, no valid
 * record is exit 3 saying that the notes look flooded, and where.
 */
async function validRecords(
  options: Pick<FindOptions, 'policyAt' | 'covers' | 'verifier'>,
  commit: string,
  sifted: Sifted,
): Promise<Judged> {
  const rejected: Rejection[] = [...sifted.rejected].map(([reason, count]) => ({ commit, reason, ...(count > 1 ? { count } : {}) }));
  if (sifted.plausible.length === 0 && !sifted.flooded) return { valid: [], rejected };
  const at = await options.policyAt(commit);
  const candidates: Sifted['plausible'] = [];
  for (const p of sifted.plausible) {
    const problem = 'problem' in at ? at.problem : policyProblem(p.record, at.policy, commit);
    if (problem) rejected.push({ commit, reason: problem });
    else candidates.push(p);
  }
  const covers = options.covers;
  if (covers) candidates.sort((a, b) => Number(covers(b.record)) - Number(covers(a.record)));
  // A record that cannot be decided (its key does not exist, KMS refuses it)
  // must not hide a valid record beside it; with none valid, fail closed.
  const valid: SignatureRecord[] = [];
  let undecided: { error: unknown } | undefined;
  let flooded: string | undefined; // why the verifier stopped this run
  const tried = new Set<string>(sifted.flooded ?? []);
  for (const { record, line, refs } of candidates) {
    try {
      const verdict = await options.verifier.verify(record, line);
      if (verdict.valid) {
        valid.push(record);
        if (covers?.(record)) break;
      } else {
        rejected.push({ commit, reason: verdict.reason });
        for (const ref of refs) tried.add(ref);
      }
    } catch (error) {
      if (isKmssigError(error, 'FLOODED')) flooded ??= error.message;
      else undecided ??= { error };
      for (const ref of refs) tried.add(ref);
    }
  }
  if (valid.length > 0) return { valid, rejected };
  if (flooded || sifted.flooded) {
    const why = flooded ?? messages.tooManyClaims(MAX_CLAIMS);
    throw new KmssigError('FLOODED', messages.notesFlooded(commit, [...tried].sort(), why));
  }
  if (undecided) throw undecided.error;
  return { valid, rejected };
}

/** A found signed commit whose record is superseded by a newer signed commit that descends from it (DESIGN 3.1, no rollback). */
export interface Superseded extends SignedCommit {
  /** A newer found signed commit that descends from it. */
  by: string;
}

/**
 * DESIGN 3.1, no rollback: of the nearest signed commits a walk found, those
 * that another one descends from no longer count for the revision: an
 * older signed state is superseded by a newer one on the same line, so a
 * merge that restores an old signed tree over a newer signed tip fails,
 * while a pull request's signed head (not an ancestor of the base) counts.
 * One git process (`merge-base --independent`) when the walk found more
 * than one commit; none otherwise.
 */
export async function latestSigned(
  repo: Repo,
  found: readonly SignedCommit[],
): Promise<{ current: SignedCommit[]; superseded: Superseded[] }> {
  const commits = [...new Set(found.map((f) => f.commit))];
  if (commits.length < 2) return { current: [...found], superseded: [] };
  const heads = new Set(await repo.independentCommits(commits));
  const current = found.filter((f) => heads.has(f.commit));
  const superseded: Superseded[] = [];
  for (const f of found) {
    if (heads.has(f.commit)) continue;
    let by: string | undefined;
    for (const head of heads) if (by === undefined && (await repo.isAncestor(f.commit, head))) by = head;
    superseded.push({ ...f, by: by ?? [...heads][0]! });
  }
  return { current, superseded };
}
