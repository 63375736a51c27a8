import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import fc from 'fast-check';
import { openPolicy } from '../../src/core/policy.js';
import type { ParsedRecord, SignatureRecord } from '../../src/core/record.js';
import { Repo } from '../../src/git/repo.js';
import { findSignedCommit, type Walk } from '../../src/usecases/findSignedCommit.js';
import { siftParsed, type NotesView } from '../../src/usecases/notesView.js';
import { initRepo, tempDir } from '../helpers/git.js';

// The walk to the nearest signed commits has two ways to its answer: the
// streaming walk, and, once that has gone deep, the region git computes below
// the start that no noted commit reaches (findSignedCommit.ts). Both run here on
// real histories built with git fast-import, and must give the same answer.

type Note = 'valid' | 'invalid' | 'wrong-commit';
interface Dag {
  /** Parents of commit i, as indexes of earlier commits. */
  parents: readonly (readonly number[])[];
  /** Commit dates: skewed on purpose, so that git lists parents before children. */
  dates: number[];
  notes: Map<number, Note>;
}

const dirs: { cleanup: () => void }[] = [];
after(() => dirs.forEach((d) => d.cleanup()));

/** Builds the history with one ref per commit (so any commit may be a root) and returns the commits' ids. */
function build(dag: Dag): { path: string; ids: string[] } {
  const dir = tempDir();
  dirs.push(dir);
  const path = initRepo(join(dir.path, 'repo'));
  const data = (text: string) => `data ${Buffer.byteLength(text)}\n${text}\n`;
  let stream = '';
  dag.parents.forEach((parents, i) => {
    stream += `commit refs/heads/c${i}\nmark :${i + 1}\ncommitter T <t@example.com> ${dag.dates[i]} +0000\n${data(`c${i}`)}`;
    parents.forEach((p, k) => (stream += `${k === 0 ? 'from' : 'merge'} :${p + 1}\n`));
    stream += `M 100644 inline f\n${data(`${i}\n`)}`;
  });
  const marks = join(dir.path, 'marks');
  execFileSync('git', ['fast-import', '--quiet', `--export-marks=${marks}`], { cwd: path, input: stream });
  const ids: string[] = [];
  for (const line of readFileSync(marks, 'utf8').trim().split('\n')) {
    const [mark, id] = line.split(' ');
    ids[Number(mark!.slice(1)) - 1] = id!;
  }
  return { path, ids };
}

/** Records kept beside the history: 'valid' ones verify, 'invalid' ones do not, 'wrong-commit' ones name another commit. */
function recordsFor(dag: Dag, ids: string[]) {
  const noted = new Map([...dag.notes].map(([i, kind]) => [ids[i]!, kind]));
  // A note on a commit this clone does not have (a shallow clone has many): it must exclude nothing.
  noted.set('e'.repeat(40), 'valid');
  const record = (commit: string): SignatureRecord => ({
    v: 1,
    alg: 'SYMMETRIC_DEFAULT',
    keyId: 'arn:k',
    context: { commit: noted.get(commit) === 'wrong-commit' ? '0'.repeat(40) : commit },
    files: { 'dist/app': (noted.get(commit) === 'invalid' ? 'b' : 'a').repeat(128) },
    sig: 'AA==',
    signedAt: '2026-01-01T00:00:00Z',
  });
  const records = async (cs: string[]) =>
    new Map(cs.map((c): [string, ParsedRecord[]] => [c, [{ ok: true, record: record(c), line: JSON.stringify(record(c)) }]]));
  const notes: NotesView = {
    refs: new Map(),
    has: (c) => noted.has(c),
    commits: () => noted.keys(),
    records,
    sift: (cs, open) => siftParsed(records, cs, open),
  };
  const verifier = {
    verify: async (r: SignatureRecord) =>
      (r.files as Record<string, string>)['dist/app']!.startsWith('a')
        ? { valid: true as const }
        : { valid: false as const, reason: 'signature does not verify' },
  };
  return { notes, verifier };
}

/** The walk's answer as sets, so that the two ways can be compared. */
const answer = (walk: Walk) => ({
  found: [...new Set(walk.found.map((f) => f.commit))].sort(),
  rejected: [...new Set(walk.rejected.map((r) => `${r.commit} ${r.reason}`))].sort(),
  end: walk.found.length === 0 ? walk.end : undefined,
});

/** The repository at `path`, and the same one counting the streaming walks it is asked for. */
async function counting(path: string) {
  const repo = await Repo.open(path);
  let streams = 0;
  const counted = Object.assign(Object.create(repo) as Repo, {
    history: (args: string[]) => {
      streams++;
      return repo.history(args);
    },
  });
  return { repo, counted, streams: () => streams };
}

/** Runs both ways; `streams` counts the streaming walks the deep one needed (1: the region answered). */
async function bothWays(path: string, start: string, notes: NotesView, verifier: ReturnType<typeof recordsFor>['verifier']) {
  const { repo, counted, streams } = await counting(path);
  const options = { notes, verifier, policyAt: async () => ({ policy: openPolicy }), maxCommits: 1000, start };
  const streaming = await findSignedCommit({ ...options, repo, probe: Infinity });
  const deep = await findSignedCommit({ ...options, repo: counted, probe: 0 });
  return { streaming, deep, streams: streams() };
}

const dagArb: fc.Arbitrary<Dag> = fc.integer({ min: 2, max: 30 }).chain((n) =>
  fc.record({
    parents: fc.tuple(
      ...Array.from({ length: n }, (_, i) =>
        i === 0
          ? fc.constant([] as number[])
          : fc.oneof(
              { weight: 6, arbitrary: fc.constant([i - 1]) },
              { weight: 3, arbitrary: fc.uniqueArray(fc.integer({ min: 0, max: i - 1 }), { minLength: 1, maxLength: 2 }) },
              { weight: 1, arbitrary: fc.constant([] as number[]) },
            ),
      ),
    ),
    dates: fc.array(fc.integer({ min: 1_700_000_000, max: 1_700_100_000 }), { minLength: n, maxLength: n }),
    notes: fc
      .array(fc.tuple(fc.integer({ min: 0, max: n - 1 }), fc.constantFrom<Note>('valid', 'valid', 'invalid', 'wrong-commit')), {
        maxLength: Math.ceil(n / 3),
      })
      .map((pairs) => new Map(pairs)),
  }),
);

describe('the region walk gives the streaming walk’s answer (DESIGN 3, rule 1)', () => {
  it('on random histories with merges, several roots, skewed dates and records that do and do not count', async () => {
    let answeredByRegion = 0;
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(dagArb, async (dag) => {
        runs++;
        const { path, ids } = build(dag);
        const { notes, verifier } = recordsFor(dag, ids);
        const { streaming, deep, streams } = await bothWays(path, ids.at(-1)!, notes, verifier);
        assert.deepEqual(answer(deep), answer(streaming));
        if (streams === 1) answeredByRegion++;
      }),
      { numRuns: 40, seed: 20261201 },
    );
    // The region must really answer, not always leave it to the streaming walk.
    assert.ok(answeredByRegion >= runs / 4, `the region answered ${answeredByRegion} of ${runs} walks`);
  });

  it('a long history whose only signed commit is the root, with records on the way that do not count', async () => {
    const n = 3000;
    const line = (notes: [number, Note][]): Dag => ({
      parents: Array.from({ length: n }, (_, i) => (i === 0 ? [] : [i - 1])),
      dates: Array.from({ length: n }, (_, i) => 1_700_000_000 + i),
      notes: new Map([[0, 'valid'], ...notes]),
    });
    const noise = Array.from({ length: 29 }, (_, k): [number, Note] => [100 * (k + 1), 'wrong-commit']);
    const { path, ids } = build(line(noise));
    const walkWith = async (dag: Dag) => {
      const { notes, verifier } = recordsFor(dag, ids);
      const { repo, counted, streams } = await counting(path);
      const options = { notes, verifier, policyAt: async () => ({ policy: openPolicy }), maxCommits: 100_000, start: ids.at(-1)! };
      const walk = await findSignedCommit({ ...options, repo: counted });
      assert.deepEqual(
        walk.found.map((f) => f.commit),
        [ids[0]],
      );
      assert.equal(walk.walked, n);
      assert.equal(walk.rejected.length, dag.notes.size - 1, 'every record on the way is named with why it did not count');
      assert.deepEqual(answer(walk), answer(await findSignedCommit({ ...options, repo, probe: Infinity })));
      return streams();
    };
    // Records the anchors refuse (another commit's) are left out of the region at once: the probe, then the region.
    assert.equal(await walkWith(line(noise)), 1);
    // A record that fails verification below the probe ends the first region; the second goes past it.
    assert.equal(await walkWith(line([...noise, [50, 'invalid']])), 1);
    // More of them than region walks are tried: the streaming walk decides, with the same answer.
    assert.equal(await walkWith(line([...noise, [50, 'invalid'], [150, 'invalid'], [250, 'invalid'], [350, 'invalid']])), 2);
  });

  it('the bound: a region larger than verify.maxCommits is left to the streaming walk, which names the bound', async () => {
    const n = 300;
    const dag: Dag = {
      parents: Array.from({ length: n }, (_, i) => (i === 0 ? [] : [i - 1])),
      dates: Array.from({ length: n }, (_, i) => 1_700_000_000 + i),
      notes: new Map([[0, 'valid']]),
    };
    const { path, ids } = build(dag);
    const { notes, verifier } = recordsFor(dag, ids);
    const repo = await Repo.open(path);
    const options = { repo, notes, verifier, policyAt: async () => ({ policy: openPolicy }), start: ids.at(-1)! };
    const bounded = await findSignedCommit({ ...options, maxCommits: 200, probe: 16 });
    assert.equal(bounded.found.length, 0);
    assert.equal(bounded.end, 'bound');
    // More notes than the region walk reads: the streaming walk answers, and the same.
    const { counted, streams } = await counting(path);
    const crowded: NotesView = {
      ...notes,
      commits: () => [...notes.commits(), ...Array.from({ length: 10_000 }, (_, i) => i.toString(16).padStart(40, 'f'))],
    };
    const streamed = await findSignedCommit({ ...options, repo: counted, notes: crowded, maxCommits: 300, probe: 16 });
    assert.deepEqual(
      streamed.found.map((f) => f.commit),
      [ids[0]],
    );
    assert.equal(streams(), 2, 'the probe, then the streaming walk');
    const enough = await findSignedCommit({ ...options, maxCommits: 300, probe: 16 });
    assert.deepEqual(
      enough.found.map((f) => f.commit),
      [ids[0]],
    );
  });
});
