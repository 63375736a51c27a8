import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { withCoverage } from '../../../src/core/coverage.js';
import type { CheckReport } from '../../../src/core/report.js';

const COMMIT = 'c'.repeat(40);
const report = (over: Partial<CheckReport> = {}): CheckReport => ({
  status: 'pass',
  commit: COMMIT,
  worktree: false,
  files: [
    { path: '.kmssigrc', state: 'ok' },
    { path: 'dist/app.js', state: 'ok' },
  ],
  rejected: [],
  uncommitted: [],
  ...over,
});

describe('withCoverage', () => {
  it('fails a passing report on a listed submodule, naming it, in path order', () => {
    const result = withCoverage(report(), { submodules: ['dist/lib'], emptyPatterns: [] });
    assert.equal(result.status, 'fail');
    assert.deepEqual(result.files, [
      { path: '.kmssigrc', state: 'ok' },
      { path: 'dist/app.js', state: 'ok' },
      { path: 'dist/lib', state: 'submodule' },
    ]);
    assert.match(result.problem!, /^"dist\/lib": a submodule under the files patterns, which kmssig cannot sign or verify/);
  });

  it('puts the submodule verdict in place of another verdict on the same path (a signed file replaced by a gitlink)', () => {
    const result = withCoverage(report({ files: [{ path: 'dist/lib', state: 'missing', signedCommit: 'a'.repeat(40) }] }), {
      submodules: ['dist/lib'],
      emptyPatterns: [],
    });
    assert.deepEqual(result.files, [{ path: 'dist/lib', state: 'submodule' }]);
  });

  it('keeps a problem that was already there', () => {
    const result = withCoverage(report({ status: 'fail', problem: 'no signed commit found' }), { submodules: ['m'], emptyPatterns: [] });
    assert.equal(result.problem, 'no signed commit found');
  });

  it('carries empty patterns as warnings without changing the verdict', () => {
    for (const status of ['pass', 'fail'] as const) {
      const result = withCoverage(report({ status }), { submodules: [], emptyPatterns: ['dsit/**'] });
      assert.equal(result.status, status);
      assert.deepEqual(result.emptyPatterns, ['dsit/**']);
      assert.deepEqual(result.files, report().files);
    }
  });

  it('leaves history from before kmssig quiet', () => {
    const quiet = report({ status: 'quiet', files: [] });
    assert.equal(withCoverage(quiet, { submodules: ['dist/lib'], emptyPatterns: ['dist/**'] }), quiet);
  });
});
