import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findReplacements, withReplacements } from '../../../src/core/replacements.js';
import type { CheckReport } from '../../../src/core/report.js';

const id = (c: string) => c.repeat(40);
const COMMIT = id('c');
const TREES = new Map([
  ['', id('0')],
  ['dist', id('1')],
  ['dist/sub', id('2')],
  ['docs', id('3')],
]);
const BLOBS = new Map([
  ['.kmssigrc', id('a')],
  ['dist/app.js', id('b')],
  ['dist/sub/lib.js', id('e')],
]);
const replace = (...oids: string[]) => new Map(oids.map((oid) => [oid, `refs/replace/${oid}`]));

describe('findReplacements (what a checkout takes from replace refs)', () => {
  it('nothing replaced, or only objects off the release paths: nothing', () => {
    assert.deepEqual(findReplacements(COMMIT, TREES, BLOBS, new Map()), { files: [], folders: [] });
    assert.deepEqual(findReplacements(COMMIT, TREES, BLOBS, replace(id('f'))), { files: [], folders: [] });
  });

  it('a replaced blob: that file', () => {
    assert.deepEqual(findReplacements(COMMIT, TREES, BLOBS, replace(id('b'))).files, [
      { path: 'dist/app.js', ref: `refs/replace/${id('b')}` },
    ]);
  });

  it('a replaced folder: every release file below it, by the nearest replaced folder', () => {
    const found = findReplacements(COMMIT, TREES, BLOBS, replace(id('1')));
    assert.deepEqual(
      found.files.map((f) => f.path),
      ['dist/app.js', 'dist/sub/lib.js'],
    );
    assert.deepEqual(found.folders, []);
  });

  it('the commit or its root tree: every release file', () => {
    for (const oid of [COMMIT, id('0')]) {
      const found = findReplacements(COMMIT, TREES, BLOBS, replace(oid));
      assert.deepEqual(
        found.files.map((f) => [f.path, f.ref]),
        [...BLOBS.keys()].map((path) => [path, `refs/replace/${oid}`]),
      );
    }
  });

  it('a replaced folder without release files is named: what replaces it may hold some', () => {
    assert.deepEqual(findReplacements(COMMIT, TREES, BLOBS, replace(id('3'))), {
      files: [],
      folders: [{ path: 'docs/', ref: `refs/replace/${id('3')}` }],
    });
  });
});

describe('withReplacements', () => {
  const report: CheckReport = {
    status: 'pass',
    commit: COMMIT,
    worktree: false,
    files: [
      { path: '.kmssigrc', state: 'ok', signedCommit: COMMIT },
      { path: 'dist/app.js', state: 'ok', signedCommit: COMMIT },
    ],
    rejected: [],
    uncommitted: [],
  };

  it('leaves a report without replacements as it is', () => {
    assert.equal(withReplacements(report, { files: [], folders: [] }), report);
  });

  it('fails the report, marks each replaced file in place of its verdict and names the refs', () => {
    const ref = `refs/replace/${id('b')}`;
    const result = withReplacements(report, { files: [{ path: 'dist/app.js', ref }], folders: [] });
    assert.equal(result.status, 'fail');
    assert.deepEqual(result.files, [
      { path: '.kmssigrc', state: 'ok', signedCommit: COMMIT },
      { path: 'dist/app.js', state: 'replaced', replacedBy: ref },
    ]);
    assert.match(
      result.problem!,
      new RegExp(`^"dist/app\\.js": a checkout here writes it from the replace ref "${ref}", not from the commit`),
    );
  });

  it('a replaced folder alone fails the report too', () => {
    const result = withReplacements(report, { files: [], folders: [{ path: 'docs/', ref: `refs/replace/${id('3')}` }] });
    assert.equal(result.status, 'fail');
    assert.deepEqual(result.files, report.files);
    assert.match(result.problem!, /^"docs\/": a checkout here writes it from the replace ref/);
  });
});
