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
      'check',
      'signRelease',
      'openSession',
      'loadConfig',
      'main',
    ] as const) {
      assert.equal(typeof kmssig[name], 'function', name);
    }
    assert.deepEqual(kmssig.ExitCode, { OK: 0, INVALID: 1, USAGE: 2, UNAVAILABLE: 3 });
  });
});
