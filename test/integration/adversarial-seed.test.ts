import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { KmssigError } from '../../src/errors.js';
import { createAwsKms } from '../../src/kms/awsKms.js';
import { signDigest } from '../../src/usecases/signFile.js';
import { verifyDigest } from '../../src/usecases/verifyFile.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/git.js';
import { useKmsEnv } from '../helpers/inProcess.js';
import { createKey } from '../helpers/kms.js';
import { startMoto, type Moto } from '../helpers/moto.js';

/**
 * Issue 8, seed-format (symmetric) signatures: every byte of a signature
 * made through moto flipped in turn, and truncated, empty and doubled
 * signatures. A verification must never succeed: INVALID (exit 1), or KMS
 * (exit 3) when KMS gives no decision. In-process through the library for
 * the byte loop, with the built CLI for the exit codes.
 */
const CONTEXT = { env: 'prod', app: 'web' };

describe('adversarial: tampered seed signatures', () => {
  let moto: Moto;
  let keyArn: string;
  let otherArn: string;
  let dir: { path: string; cleanup: () => void };
  let signature: Buffer;
  const digest = createHash('sha512').update('release 1.0.0\n').digest();
  const kms = () => createAwsKms({});

  before(async () => {
    moto = await startMoto();
    useKmsEnv(moto.env);
    keyArn = await createKey(moto.endpoint, { alias: 'alias/seed' });
    otherArn = await createKey(moto.endpoint);
    dir = tempDir('kmssig-seed-adv-');
    signature = Buffer.from((await signDigest({ kms: kms(), keyId: keyArn, digest, context: CONTEXT })).signature);
    writeFileSync(join(dir.path, 'release.txt'), 'release 1.0.0\n');
    writeFileSync(join(dir.path, 'release.txt.sig'), signature);
  });
  after(async () => {
    await moto?.stop();
    dir?.cleanup();
  });

  /** 'ok', or the error code of a refusal; anything but a KmssigError fails the test. */
  async function outcome(sig: Uint8Array, keys: string[] = [], client = kms(), context = CONTEXT): Promise<string> {
    try {
      await verifyDigest({ kms: client, digest, signature: sig, context, keys });
      return 'ok';
    } catch (error) {
      assert.ok(error instanceof KmssigError, `not a KmssigError: ${(error as Error)?.stack}`);
      return error.code;
    }
  }

  it('the genuine signature verifies, pinned or not (the flips below start from it)', async () => {
    assert.equal(await outcome(signature), 'ok');
    assert.equal(await outcome(signature, [keyArn]), 'ok');
    assert.equal(await outcome(signature, ['alias/seed']), 'ok');
    assert.equal(await outcome(signature, [otherArn]), 'INVALID', 'pinned to another key');
    assert.equal(await outcome(signature, [], kms(), { ...CONTEXT, env: 'dev' }), 'INVALID', 'another context');
  });

  it('every byte flipped in turn is refused, pinned and unpinned', async () => {
    assert.ok(signature.length >= 64, `a ${signature.length}-byte blob`);
    const client = kms();
    const seen = new Map<string, number[]>();
    for (let at = 0; at < signature.length; at++) {
      const flipped = Buffer.from(signature);
      flipped[at]! ^= 1 << (at % 8);
      for (const keys of [[], [keyArn]]) {
        const result = await outcome(flipped, keys, client);
        assert.notEqual(result, 'ok', `byte ${at} flipped (pinned: ${keys.length > 0}) was accepted`);
        assert.ok(result === 'INVALID' || result === 'KMS', `byte ${at}: ${result}`);
        seen.set(result, [...(seen.get(result) ?? []), at]);
      }
    }
    // The ciphertext and its tag are where a decision is always possible: at least the second half says INVALID.
    const invalid = new Set(seen.get('INVALID'));
    for (let at = Math.floor(signature.length / 2); at < signature.length; at++) assert.ok(invalid.has(at), `byte ${at} was not INVALID`);
  });

  it('truncated, empty, doubled, padded and foreign blobs are refused in-process', async () => {
    const blobs: [string, Buffer][] = [
      ['empty', Buffer.alloc(0)],
      ['one byte', signature.subarray(0, 1)],
      ['the first half', signature.subarray(0, signature.length / 2)],
      ['all but the last byte', signature.subarray(0, -1)],
      ['all but the first byte', signature.subarray(1)],
      ['doubled', Buffer.concat([signature, signature])],
      ['one byte more', Buffer.concat([signature, Buffer.from([0])])],
      ['zeros', Buffer.alloc(signature.length)],
      ['a local-key blob', Buffer.concat([Buffer.from('KSL1'), signature.subarray(4)])],
    ];
    for (const [name, blob] of blobs) {
      for (const keys of [[], [keyArn]]) {
        const result = await outcome(blob, keys);
        assert.ok(result === 'INVALID' || result === 'KMS' || result === 'USAGE', `${name}: ${result}`);
        assert.notEqual(result, 'ok', `${name} accepted`);
      }
    }
  });

  it('the CLI exits 1 for truncated, empty, doubled and flipped signature files', async () => {
    const env = moto.env;
    const cases: [string, Buffer][] = [
      ['truncated', signature.subarray(0, signature.length - 8)],
      ['empty', Buffer.alloc(0)],
      ['doubled', Buffer.concat([signature, signature])],
      ['flipped tag', Buffer.from(signature.map((b, i) => (i === signature.length - 1 ? b ^ 0xff : b)))],
    ];
    const good = await runCli(['verify', 'release.txt', 'release.txt.sig', '--context', 'env=prod,app=web', '--key', keyArn], {
      cwd: dir.path,
      env,
    });
    assert.equal(good.code, 0, good.stderr);
    for (const [name, bytes] of cases) {
      writeFileSync(join(dir.path, `${name}.sig`), bytes);
      const res = await runCli(['verify', 'release.txt', `${name}.sig`, '--context', 'env=prod,app=web', '--key', keyArn], {
        cwd: dir.path,
        env,
      });
      assert.equal(res.code, 1, `${name}: ${res.stdout}${res.stderr}`);
      assert.match(res.stderr, /invalid signature for release\.txt/);
      assert.doesNotMatch(res.stdout, /valid signature/);
    }
    assert.deepEqual(readFileSync(join(dir.path, 'release.txt.sig')), signature, 'the genuine file was left alone');
  });
});
