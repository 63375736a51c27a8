import { policyProblem, type Policy } from '../core/policy.js';
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
  found?: SignedCommit;
  rejected: Rejection[];
  /** Why the walk ended without a find: the bound, a shallow clone's end, or the real root. */
  end?: 'bound' | 'shallow' | 'root';
  walked: number;
}

export interface FindOptions {
  repo: Repo;
  notes: NotesView;
  start: string;
  policy: Policy;
  verifier: RecordVerifier;
  maxCommits: number;
  /** Records whose files match what is being verified are tried first. */
  prefer?: (record: SignatureRecord) => boolean;
}

// Notes are read in batches that grow (16, 64, 256, ...): the nearest noted
// commit costs one small read, and a long run of records that do not count
// costs a handful of git processes, not one per 16 commits.
const FIRST_BATCH = 16;
const MAX_BATCH = 4096;

/**
 * DESIGN 3, rule 1: walk `git rev-list <start>` (start first) to the first
 * commit with at least one valid record. Policy is checked before any KMS
 * call; signatures are checked until one is valid.
 */
export async function findSignedCommit({ repo, notes, start, policy, verifier, maxCommits, prefer }: FindOptions): Promise<Walk> {
  const commits = await repo.revList(start, maxCommits);
  const rejected: Rejection[] = [];
  const withNotes = commits.filter((c) => notes.has(c));
  for (let i = 0, size = FIRST_BATCH; i < withNotes.length; i += size, size = Math.min(size * 4, MAX_BATCH)) {
    const batch = withNotes.slice(i, i + size);
    const records = await notes.records(batch);
    for (const commit of batch) {
      const candidates: { record: SignatureRecord; line: string }[] = [];
      for (const parsed of records.get(commit) ?? []) {
        if (!parsed.ok) {
          rejected.push({ commit, reason: `unreadable record: ${parsed.reason}` });
          continue;
        }
        const problem = policyProblem(parsed.record, policy, commit);
        if (problem) rejected.push({ commit, reason: problem });
        else candidates.push(parsed);
      }
      if (prefer) candidates.sort((a, b) => Number(prefer(b.record)) - Number(prefer(a.record)));
      // A record that cannot be decided (its key does not exist, KMS refuses it)
      // must not hide a valid record beside it; with none valid, fail closed.
      let undecided: unknown;
      for (const { record, line } of candidates) {
        let verdict: Awaited<ReturnType<RecordVerifier['verify']>>;
        try {
          verdict = await verifier.verify(record, line);
        } catch (error) {
          undecided ??= error;
          continue;
        }
        if (verdict.valid) return { found: { commit, record }, rejected, walked: commits.indexOf(commit) + 1 };
        rejected.push({ commit, reason: verdict.reason });
      }
      if (undecided !== undefined) throw undecided;
    }
  }
  const end = commits.length >= maxCommits ? 'bound' : (await repo.isShallow()) ? 'shallow' : 'root';
  return { rejected, end, walked: commits.length };
}
