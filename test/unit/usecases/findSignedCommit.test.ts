import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { openPolicy } from '../../../src/core/policy.js';
import type { ParsedRecord, SignatureRecord } from '../../../src/core/record.js';
import type { Repo } from '../../../src/git/repo.js';
import { findSignedCommit } from '../../../src/usecases/findSignedCommit.js';
import { siftParsed, type NotesView } from '../../../src/usecases/notesView.js';

/** A history as rev-list would list it (in the order given), with records on some commits; every record is genuine. */
function world(history: [string, string[]][], signed: Record<string, Record<string, string>>) {
  const record = (commit: string): SignatureRecord => ({
    v: 1,
    alg: 'SYMMETRIC_DEFAULT',
    keyId: 'arn:k',
    context: { commit },
    files: signed[commit]!,
    sig: 'AA==',
    signedAt: '2026-01-01T00:00:00Z',
  });
  let listed = 0;
  const repo = {
    async *history() {
      for (const [commit, parents] of history) {
        listed++;
        yield { commit, parents, boundary: false };
      }
    },
    isShallow: async () => false,
  } as unknown as Repo;
  const records = async (cs: string[]) =>
    new Map(cs.map((c): [string, ParsedRecord[]] => [c, [{ ok: true, record: record(c), line: JSON.stringify(record(c)) }]]));
  const notes: NotesView = {
    refs: new Map(),
    has: (c) => Object.hasOwn(signed, c),
    commits: () => Object.keys(signed),
    records,
    sift: (cs, open) => siftParsed(records, cs, open),
  };
  const options = {
    repo,
    notes,
    policyAt: async () => ({ policy: openPolicy }),
    verifier: { verify: async () => ({ valid: true as const }) },
    maxCommits: 1000,
  };
  return { options, listed: () => listed };
}

describe('findSignedCommit (DESIGN 3, rule 1)', () => {
  const files = { 'dist/app': 'a'.repeat(128) };
  const other = { 'dist/app': 'b'.repeat(128) };

  it('a merge reaches a signed commit on each side, and passing never depends on the order git lists them in', async () => {
    // M merges main's newer signed S2 (first parent) and the pull request's signed P; P covers M's files.
    const orders: [string, string[]][][] = [
      [
        ['M', ['S2', 'P']],
        ['S2', ['S1']],
        ['P', ['S1']],
        ['S1', []],
      ],
      [
        ['M', ['S2', 'P']],
        ['P', ['S1']],
        ['S2', ['S1']],
        ['S1', []],
      ],
      // Skewed dates: a parent listed before its child.
      [
        ['P', ['S1']],
        ['M', ['S2', 'P']],
        ['S1', []],
        ['S2', ['S1']],
      ],
    ];
    for (const history of orders) {
      const { options } = world(history, { S2: other, P: files, S1: other });
      const walk = await findSignedCommit({ ...options, start: 'M', covers: (r) => r.files['dist/app'] === files['dist/app'] });
      assert.ok(
        walk.found.some((f) => f.commit === 'P'),
        JSON.stringify(history),
      );
      assert.ok(!walk.found.some((f) => f.commit === 'S1'), 'S1 is behind a signed commit on every path');
    }
  });

  it('stops on each path at the first signed commit, and stops reading history once nothing is left open', async () => {
    const history: [string, string[]][] = [
      ['C', ['B']],
      ['B', ['A']],
      ['A', ['Z']],
      ...Array.from({ length: 500 }, (_, i): [string, string[]] => [`z${i}`, []]),
    ];
    const { options, listed } = world(history, { B: other, A: files });
    const walk = await findSignedCommit({ ...options, start: 'C' });
    assert.deepEqual(
      walk.found.map((f) => f.commit),
      ['B'],
    );
    assert.ok(listed() < 100, `read ${listed()} commits of history after the answer`);
  });

  it('ends at the root without a find when nothing is signed', async () => {
    const { options } = world(
      [
        ['B', ['A']],
        ['A', []],
      ],
      {},
    );
    const walk = await findSignedCommit({ ...options, start: 'B' });
    assert.deepEqual(walk.found, []);
    assert.equal(walk.end, 'root');
  });
});
