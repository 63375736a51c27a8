import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CheckReport, FileReport } from '../../../../src/core/report.js';
import { SUMMARY_MAX_FAILURES, toJobSummary, toJobSummaryError } from '../../../../src/cli/format/summary.js';

const SIGNED = 'a'.repeat(40);
const record = {
  v: 1 as const,
  alg: 'SYMMETRIC_DEFAULT' as const,
  keyId: 'arn:aws:kms:eu-west-1:111122223333:key/k1',
  context: { branch: 'main' },
  files: {},
  sig: 'x',
  signedAt: '2026-12-03T00:00:00Z',
};
const report = (
  files: FileReport[],
  status: CheckReport['status'] = files.some((f) => f.state !== 'ok') ? 'fail' : 'pass',
): CheckReport => ({
  status,
  commit: 'b'.repeat(40),
  worktree: false,
  signed: { commit: SIGNED, record },
  files,
  rejected: [],
  uncommitted: [],
});
const ok = (path: string): FileReport => ({ path, state: 'ok', signedCommit: SIGNED });
const modified = (path: string): FileReport => ({ path, state: 'modified', signedCommit: SIGNED });
const tableRows = (md: string) => md.split('\n').filter((l) => l.startsWith('| <code>'));

test('a pass: the verdict, revision, signed commit, key and ref, then every file', () => {
  const md = toJobSummary(report([ok('dist/app.js'), ok('dist/app.css')]), 'HEAD');
  assert.match(md, /^### kmssig check: :white_check_mark: passed$/m);
  assert.match(md, /\| Revision \| <code>HEAD<\/code> at <code>bbbbbbbbbbbb<\/code> \|/);
  assert.match(md, /\| Signed commit \| <code>aaaaaaaaaaaa<\/code> \|/);
  assert.match(md, /\| Key \| <code>arn:aws:kms:eu-west-1:111122223333:key\/k1<\/code> \|/);
  assert.match(md, /\| Ref \| <code>refs\/heads\/main<\/code> \|/);
  assert.match(md, /\| Release files \| 2 verified, 0 failed \|/);
  assert.deepEqual(tableRows(md), ['| <code>dist/app.js</code> | ok |', '| <code>dist/app.css</code> | ok |']);
  assert.doesNotMatch(md, /Not listed/);
});

test('a failure: failures first and in bold, whatever their order in the release', () => {
  const md = toJobSummary(report([ok('dist/a.js'), modified('dist/b.js'), { path: 'dist/c.js', state: 'unsigned' }]), 'main');
  assert.match(md, /^### kmssig check: :x: failed$/m);
  assert.match(md, /\| Release files \| 1 verified, 2 failed \|/);
  assert.deepEqual(tableRows(md), [
    '| <code>dist/b.js</code> | **modified since aaaaaaaaaaaa** |',
    '| <code>dist/c.js</code> | **not signed** |',
    '| <code>dist/a.js</code> | ok |',
  ]);
});

test('a 1,000-file release is folded to its failures and a count of the rest', () => {
  const files = Array.from({ length: 1000 }, (_, i) => (i === 500 || i === 999 ? modified(`dist/f${i}.js`) : ok(`dist/f${i}.js`)));
  const md = toJobSummary(report(files), 'HEAD');
  assert.deepEqual(tableRows(md), [
    '| <code>dist/f500.js</code> | **modified since aaaaaaaaaaaa** |',
    '| <code>dist/f999.js</code> | **modified since aaaaaaaaaaaa** |',
  ]);
  assert.match(md, /^Not listed: 998 verified \(`kmssig check` lists every file\)\.$/m);
  assert.ok(md.length < 2000, `folded summary stays short (${md.length} characters)`);
});

test('failing rows are capped, and the cap is said', () => {
  const files = Array.from({ length: 1000 }, (_, i) => modified(`dist/f${i}.js`));
  const md = toJobSummary(report(files), 'HEAD');
  assert.equal(tableRows(md).length, SUMMARY_MAX_FAILURES);
  assert.match(md, new RegExp(`^Not listed: ${1000 - SUMMARY_MAX_FAILURES} more failed `, 'm'));
});

test('a path cannot break the table or inject markup', () => {
  const md = toJobSummary(report([modified('dist/a|b <img src=x>.js')]), 'HEAD');
  assert.deepEqual(tableRows(md), ['| <code>dist/a&#124;b &lt;img src=x&gt;.js</code> | **modified since aaaaaaaaaaaa** |']);
});

test('a check that could not decide never reads as a pass', () => {
  const md = toJobSummaryError('HEAD', 3, 'KMS unreachable at http://127.0.0.1:1');
  assert.match(md, /^### kmssig check: :warning: could not verify \(exit 3\)$/m);
  assert.match(md, /KMS unreachable/);
  assert.doesNotMatch(md, /passed/);
});
