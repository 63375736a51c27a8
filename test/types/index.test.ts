import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as kmssig from '../../src/index.js';
import type { FileEntry, FileReport, KeyManagement, SignatureRecord, SignatureRecordV1, SignatureRecordV2 } from '../../src/index.js';

// The public API as a library user sees it: the functions exist and the
// types accept what the docs say (tsc checks this file in `npm run typecheck`).
describe('public API', () => {
  it('signs and verifies a digest through an injected KeyManagement', async () => {
    const kms: KeyManagement = kmssig.createLocalKms(process.cwd());
    assert.equal(typeof kms.encrypt, 'function');
    const record: Pick<SignatureRecord, 'v' | 'alg'> = { v: 1, alg: 'SYMMETRIC_DEFAULT' };
    assert.equal(record.v, 1);
    for (const name of [
      'signFile',
      'verifyFile',
      'signDigest',
      'verifyDigest',
      'hashFile',
      'payloadOf',
      'parseRecord',
      'checkRevision',
      'loadConfig',
    ] as const) {
      assert.equal(typeof kmssig[name], 'function', name);
    }
    assert.deepEqual(kmssig.ExitCode, { OK: 0, INVALID: 1, USAGE: 2, UNAVAILABLE: 3 });
  });

  it('keeps the repository, the git runner, the session and the CLI out of the API', () => {
    // What a library user needs is sign, verify, check and the record types; the
    // rest is the house's own wiring and may change under it (issue 21).
    for (const name of ['Repo', 'createGitRunner', 'runnerOf', 'openSession', 'Session', 'main', 'check', 'signRelease'])
      assert.equal(name in kmssig, false, `${name} is exported`);
    // The same at the type level (npm run typecheck): each line fails to compile once the name is exported again.
    // @ts-expect-error Repo is not public
    type _Repo = typeof kmssig.Repo;
    // @ts-expect-error the runner is not public
    type _Runner = typeof kmssig.createGitRunner;
    // @ts-expect-error Session is not public
    type _Session = kmssig.Session;
    // @ts-expect-error main is the CLI's
    type _Main = typeof kmssig.main;
  });
  it('records of version 2 sign each entry type and mode; version 1 reads as regular files (issue 24)', () => {
    assert.equal(kmssig.RECORD_VERSION, 2);
    assert.equal(kmssig.NOTE_MAX_BYTES, 64 * 1024 * 1024);
    const sha = 'a'.repeat(128);
    const head = {
      alg: 'SYMMETRIC_DEFAULT',
      keyId: 'arn:aws:kms:eu-west-1:111122223333:key/k',
      context: { commit: 'c'.repeat(40) },
    } as const;
    const stamp = { sig: 'AAAA', signedAt: '2026-12-03T00:00:00Z' };
    const link: FileEntry = { mode: '120000', sha512: sha };
    const v2: SignatureRecordV2 = {
      v: 2,
      ...head,
      ...stamp,
      files: { 'dist/run.sh': { mode: '100755', sha512: sha }, 'dist/latest': link },
    };
    const v1: SignatureRecordV1 = { v: 1, ...head, ...stamp, files: { 'dist/app.txt': sha } };
    const records: SignatureRecord[] = [v1, v2];
    assert.deepEqual(kmssig.signedEntries(records[0]!), { 'dist/app.txt': { mode: '100644', sha512: sha } });
    assert.equal(kmssig.signedEntries(records[1]!)['dist/latest'], link);
    // A version-2 entry is {mode, sha512} with one of the three modes; a bare digest is version 1's.
    // @ts-expect-error a version-2 record's files are entries, not digests
    const _bare: SignatureRecordV2 = { ...v2, files: { 'dist/app.txt': sha } };
    // @ts-expect-error 100664 is not a mode kmssig signs
    const _mode: FileEntry = { mode: '100664', sha512: sha };
    // What a failing file reports: the entry type on each side, the older signed commit of a rollback.
    const report: FileReport = {
      path: 'dist/app.txt',
      state: 'modified',
      mode: { now: '120000', signed: '100644' },
      signedCommit: 'b'.repeat(40),
      revertsTo: 'a'.repeat(40),
    };
    assert.equal(report.revertsTo?.length, 40);
    // The parser reads both versions, and refuses a version-2 entry with another mode.
    assert.equal(kmssig.parseRecord(kmssig.serializeRecord(v2)).ok, true);
    assert.equal(kmssig.parseRecord(kmssig.serializeRecord(v1)).ok, true);
    const bad = kmssig.parseRecord(JSON.stringify({ ...v2, files: { 'dist/app.txt': { mode: '100664', sha512: sha } } }));
    assert.equal(bad.ok, false);
  });
});
