import { policyProblem, type PolicyAt } from '../core/policy.js';
import type { SignatureRecord } from '../core/record.js';
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
  verifier: RecordVerifier;
  maxCommits: number;
  /** A valid record for which the walk may stop at once (it covers what is verified); also tried first. */
  covers?: (record: SignatureRecord) => boolean;
}

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
  const parentsOf = new Map<string, string[]>();
  const reached = new Set<string>([start]);
  const decided = new Set<string>();
  let walked = 0;
  let open = 1; // reached and not yet decided

  // Decides a reached commit once git has listed it; opens its parents unless it is signed.
  const decide = async (commit: string): Promise<boolean> => {
    const queue = [commit];
    while (queue.length > 0) {
      const c = queue.shift()!;
      if (decided.has(c) || !parentsOf.has(c)) continue;
      decided.add(c);
      open--;
      const signed = await validRecords(options, c, rejected);
      if (signed.length > 0) {
        found.push(...signed.map((record) => ({ commit: c, record })));
        if (options.covers && signed.some(options.covers)) return true;
        continue;
      }
      for (const parent of parentsOf.get(c)!) {
        if (reached.has(parent)) continue;
        reached.add(parent);
        open++;
        if (parentsOf.has(parent)) queue.push(parent);
      }
    }
    return false;
  };

  for await (const { commit, parents } of repo.history([`--max-count=${maxCommits}`, start])) {
    walked++;
    parentsOf.set(commit, parents);
    if (reached.has(commit) && (await decide(commit))) return { found, rejected, walked };
    if (open === 0) break;
  }
  if (found.length > 0) return { found, rejected, walked };
  // A shallow clone's last commits are listed without parents: its end is not the real root.
  const end = open > 0 && walked >= maxCommits ? 'bound' : (await repo.isShallow()) ? 'shallow' : 'root';
  return { found, rejected, end, walked };
}

/** The records of a commit that count: policy first (no KMS call), then signatures; covering ones first. */
async function validRecords(options: FindOptions, commit: string, rejected: Rejection[]): Promise<SignatureRecord[]> {
  if (!options.notes.has(commit)) return [];
  const parsed = (await options.notes.records([commit])).get(commit) ?? [];
  if (parsed.length === 0) return [];
  const at = await options.policyAt(commit);
  const candidates: { record: SignatureRecord; line: string }[] = [];
  for (const p of parsed) {
    if (!p.ok) rejected.push({ commit, reason: `unreadable record: ${p.reason}` });
    else if ('problem' in at) rejected.push({ commit, reason: at.problem });
    else {
      const problem = policyProblem(p.record, at.policy, commit);
      if (problem) rejected.push({ commit, reason: problem });
      else candidates.push(p);
    }
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
