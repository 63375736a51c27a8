import { openPolicy, policyProblem, type Policy, type PolicyAt } from '../core/policy.js';
import type { ParsedRecord, SignatureRecord } from '../core/record.js';
import type { Repo } from '../git/repo.js';
import type { NotesView } from './notesView.js';
import type { RecordVerifier } from './verifyRecord.js';

/** A record that was found and did not count, with the reason. */
export interface Rejection {
  commit: string;
  reason: string;
}

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
  /** A valid record for which the walk may stop at once (it covers what is verified); also tried first. */
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

/** The verdict on one commit's records: the valid ones, and why the others did not count. */
interface Judged {
  valid: SignatureRecord[];
  rejected: Rejection[];
}
/** Judges each commit's records once per walk, and remembers which commits had none that count. */
interface Judge {
  judge(commit: string, parsed: ParsedRecord[]): Promise<Judged>;
  failed: Set<string>;
}

function createJudge(options: FindOptions): Judge {
  const verdicts = new Map<string, Promise<Judged>>();
  const failed = new Set<string>();
  const judge = (commit: string, parsed: ParsedRecord[]) => {
    let verdict = verdicts.get(commit);
    if (!verdict) {
      verdict = validRecords(options, commit, parsed).then((v) => {
        if (v.valid.length === 0) failed.add(commit);
        return v;
      });
      verdicts.set(commit, verdict);
    }
    return verdict;
  };
  return { judge, failed };
}

/**
 * DESIGN 3, rule 1: walk the history of `start` (start first) and, on every
 * path, stop at the first commit with a valid record. A commit is reached when
 * some child was reached and is not signed, whatever order git lists them in,
 * so the answer never depends on commit dates.
 *
 * Most walks end within a few commits of `start`: the walk streams and ends as
 * soon as a covering record is found or no path is left open. One that has
 * not ended after PROBE commits asks git for the region below `start` that no
 * noted commit reaches (regionWalk), which costs one traversal inside git
 * instead of a line per commit here; where that answer is not certain, the
 * streaming walk runs to its end. Each commit's records are judged once.
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
  const records = new Map<string, ParsedRecord[]>();
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
  const decide = async (commit: string, parents: readonly string[]): Promise<boolean> => {
    const queue: string[] = [];
    let next: { commit: string; parents: readonly string[] } | undefined = { commit, parents };
    while (next) {
      const c = next.commit;
      decided.add(c);
      open--;
      let signed: SignatureRecord[] = [];
      if (records.has(c)) {
        const verdict = await judge.judge(c, records.get(c)!);
        rejected.push(...verdict.rejected);
        signed = verdict.valid;
      }
      if (signed.length > 0) {
        found.push(...signed.map((record) => ({ commit: c, record })));
        if (options.covers && signed.some(options.covers)) return true;
      } else openParents(next.parents, queue);
      const later = queue.shift();
      next = later === undefined ? undefined : { commit: later, parents: waiting.get(later)! };
      if (later !== undefined) waiting.delete(later);
    }
    return false;
  };

  // Commits are taken from the stream in batches that grow (16, 64, 256, ...), and
  // the notes of a batch are read in one git call: the nearest signed commit
  // costs one small read, a long run of records that do not count a handful.
  // A commit without notes is decided without waiting on anything.
  let batch: { commit: string; parents: string[] }[] = [];
  let size = FIRST_BATCH;
  const drain = async (): Promise<boolean> => {
    const noted = batch.map((e) => e.commit).filter((c) => options.notes.has(c));
    if (noted.length > 0) for (const [c, parsed] of await options.notes.records(noted)) records.set(c, parsed);
    for (const { commit, parents } of batch) {
      walked++;
      if (!reached.has(commit)) waiting.set(commit, parents);
      else if (decided.has(commit)) continue;
      else if (!records.has(commit) && waiting.size === 0) {
        decided.add(commit);
        open--;
        openParents(parents, []);
      } else if (await decide(commit, parents)) return true;
      if (open === 0) return true;
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
  if (stopped && options.covers && found.some((f) => options.covers!(f.record))) return { found, rejected, walked };
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
  const parsed = noted.length > 0 ? await notes.records(noted) : new Map<string, ParsedRecord[]>();
  const anchors = options.anchors ?? openPolicy;
  const plausible = new Set(
    noted.filter(
      (c) => !judge.failed.has(c) && (parsed.get(c) ?? []).some((p) => p.ok && policyProblem(p.record, anchors, c) === undefined),
    ),
  );
  if (plausible.has(start)) return undefined;
  const { inside, boundary } = await repo.boundaryOf(start, plausible, maxCommits);
  if (boundary.length === 0 || !boundary.every((c) => plausible.has(c)) || inside.length + boundary.length > maxCommits) return undefined;
  const rejected: Rejection[] = [];
  // Records in R that did not count (refused by the anchors, or judged during the probe): the streaming walk passes them, saying why.
  for (const c of inside) if (notes.has(c)) rejected.push(...(await judge.judge(c, parsed.get(c) ?? [])).rejected);
  const found: SignedCommit[] = [];
  for (const c of boundary) {
    const verdict = await judge.judge(c, parsed.get(c)!);
    // That record does not count after all: judge.failed has it now, and the next region goes past it.
    if (verdict.valid.length === 0) return 'again';
    rejected.push(...verdict.rejected);
    found.push(...verdict.valid.map((record) => ({ commit: c, record })));
    if (options.covers && verdict.valid.some(options.covers)) break;
  }
  return { found, rejected, walked: inside.length + boundary.length };
}

/**
 * The valid records of one commit (DESIGN 3, rule 2), judged as the walk
 * judges them: the anchors first, then the policy at that commit, then KMS.
 */
export async function validRecordsAt(
  options: Pick<FindOptions, 'notes' | 'policyAt' | 'anchors' | 'verifier'>,
  commit: string,
): Promise<SignatureRecord[]> {
  if (!options.notes.has(commit)) return [];
  const parsed = (await options.notes.records([commit])).get(commit) ?? [];
  return (await validRecords(options, commit, parsed)).valid;
}

/** The records of a commit that count: policy first (no KMS call), then signatures; covering ones first. */
async function validRecords(
  options: Pick<FindOptions, 'policyAt' | 'anchors' | 'verifier' | 'covers'>,
  commit: string,
  parsed: ParsedRecord[],
): Promise<Judged> {
  const rejected: Rejection[] = [];
  // The anchors first: what they refuse no configuration brings back, and the commit's configuration is read only if needed.
  const anchors = options.anchors ?? openPolicy;
  const plausible: { record: SignatureRecord; line: string }[] = [];
  for (const p of parsed) {
    if (!p.ok) rejected.push({ commit, reason: `unreadable record: ${p.reason}` });
    else {
      const problem = policyProblem(p.record, anchors, commit);
      if (problem) rejected.push({ commit, reason: problem });
      else plausible.push(p);
    }
  }
  if (plausible.length === 0) return { valid: [], rejected };
  const at = await options.policyAt(commit);
  const candidates: { record: SignatureRecord; line: string }[] = [];
  for (const p of plausible) {
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
  for (const { record, line } of candidates) {
    try {
      const verdict = await options.verifier.verify(record, line);
      if (verdict.valid) {
        valid.push(record);
        if (covers?.(record)) break;
      } else rejected.push({ commit, reason: verdict.reason });
    } catch (error) {
      undecided ??= { error };
    }
  }
  if (valid.length === 0 && undecided) throw undecided.error;
  return { valid, rejected };
}
