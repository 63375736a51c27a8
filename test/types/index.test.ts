import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as kmssig from '../../src/index.js';
import type { KeyManagement, SignatureRecord } from '../../src/index.js';

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
});
