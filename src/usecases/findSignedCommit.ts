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
}

const FIRST_BATCH = 16;
const MAX_BATCH = 4096;

/**
 * DESIGN 3, rule 1: walk the history of `start` (start first) and, on every
 * path, stop at the first commit with a valid record. A commit is reached when
 * some child was reached and is not signed, whatever order git lists them in,
 * so the answer never depends on commit dates. The walk streams and ends as
 * soon as a covering record is found or no path is left open.
 */
export async function findSignedCommit(options: FindOptions): Promise<Walk> {
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
      const signed = records.has(c) ? await validRecords(options, c, records.get(c)!, rejected) : [];
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
  for await (const entry of repo.history([`--max-count=${maxCommits}`, start])) {
    batch.push(entry);
    if (batch.length >= size && (stopped = await drain())) break;
  }
  if (!stopped && batch.length > 0) stopped = await drain();
  if (stopped && options.covers && found.some((f) => options.covers!(f.record))) return { found, rejected, walked };
  if (found.length > 0) return { found, rejected, walked };
  // A shallow clone's last commits are listed without parents: its end is not the real root.
  const end = open > 0 && walked >= maxCommits ? 'bound' : (await repo.isShallow()) ? 'shallow' : 'root';
  return { found, rejected, end, walked };
}

/** The records of a commit that count: policy first (no KMS call), then signatures; covering ones first. */
async function validRecords(
  options: FindOptions,
  commit: string,
  parsed: ParsedRecord[],
  rejected: Rejection[],
): Promise<SignatureRecord[]> {
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
  if (plausible.length === 0) return [];
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
  return valid;
}
