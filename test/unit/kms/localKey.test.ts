import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { KmssigError } from '../../../src/errors.js';
import { KmsError, type KmsFailureKind } from '../../../src/kms/keyManagement.js';
import { createLocalKey, createLocalKms, isLocalCiphertext, isLocalKeyId } from '../../../src/kms/localKey.js';

const digest = createHash('sha512').update('release 1.0.0\n').digest();
const context = { env: 'prod', repo: 'acme/app' };

async function rejectsKind(promise: Promise<unknown>, kind: KmsFailureKind, exitCode: number) {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof KmsError, String(error));
    assert.equal(error.kind, kind);
    assert.equal(error.exitCode, exitCode);
    return true;
  });
}

describe('local development key (local:<path>, AES-256-GCM with the context as associated data)', () => {
  let dir: string;
  let kms: ReturnType<typeof createLocalKms>;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kmssig-localkey-'));
    await createLocalKey(join(dir, 'a.key'));
    await createLocalKey(join(dir, 'b.key'));
    kms = createLocalKms(dir);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('round-trips: decrypt gives back the digest and the key ID', async () => {
    const { ciphertext, keyId } = await kms.encrypt('local:a.key', digest, context);
    assert.equal(keyId, 'local:a.key');
    assert.ok(isLocalCiphertext(ciphertext));
    assert.ok(!Buffer.from(ciphertext).includes(digest), 'the digest is not in the clear');
    const out = await kms.decrypt(ciphertext, context, 'local:a.key');
    assert.deepEqual(Buffer.from(out.plaintext), digest);
    assert.equal(out.keyId, 'local:a.key');
  });

  it('resolves relative key paths against its folder, and takes absolute ones as they are', async () => {
    const { ciphertext } = await kms.encrypt('local:a.key', digest, {});
    const elsewhere = createLocalKms(tmpdir());
    const out = await elsewhere.decrypt(ciphertext, {}, `local:${join(dir, 'a.key')}`);
    assert.deepEqual(Buffer.from(out.plaintext), digest);
  });

  it('uses a fresh IV each time: two signatures of the same digest differ and both verify', async () => {
    const one = await kms.encrypt('local:a.key', digest, context);
    const two = await kms.encrypt('local:a.key', digest, context);
    assert.notDeepEqual(Buffer.from(one.ciphertext), Buffer.from(two.ciphertext));
    for (const { ciphertext } of [one, two])
      assert.deepEqual(Buffer.from((await kms.decrypt(ciphertext, context, 'local:a.key')).plaintext), digest);
  });

  it('binds the context as associated data: another, a missing or an extended context is refused (exit 1)', async () => {
    const { ciphertext } = await kms.encrypt('local:a.key', digest, context);
    await rejectsKind(kms.decrypt(ciphertext, { env: 'dev', repo: 'acme/app' }, 'local:a.key'), 'bad-ciphertext', 1);
    await rejectsKind(kms.decrypt(ciphertext, {}, 'local:a.key'), 'bad-ciphertext', 1);
    await rejectsKind(kms.decrypt(ciphertext, { ...context, extra: 'x' }, 'local:a.key'), 'bad-ciphertext', 1);
    // The order of the pairs does not matter, as with KMS.
    const out = await kms.decrypt(ciphertext, { repo: 'acme/app', env: 'prod' }, 'local:a.key');
    assert.deepEqual(Buffer.from(out.plaintext), digest);
  });

  it('a signature from another key file is "signed by a key that is not allowed" (wrong-key, exit 1)', async () => {
    const { ciphertext } = await kms.encrypt('local:b.key', digest, context);
    await assert.rejects(kms.decrypt(ciphertext, context, 'local:a.key'), /signed by a key that is not allowed/);
    await rejectsKind(kms.decrypt(ciphertext, context, 'local:a.key'), 'wrong-key', 1);
  });

  it('one flipped byte anywhere after the key fingerprint (IV, tag, body) is bad-ciphertext (exit 1)', async () => {
    const { ciphertext } = await kms.encrypt('local:a.key', digest, context);
    assert.ok(ciphertext.length > 40);
    for (let at = 12; at < ciphertext.length; at++) {
      const flipped = Buffer.from(ciphertext);
      flipped[at]! ^= 0x01;
      await rejectsKind(kms.decrypt(flipped, context, 'local:a.key'), 'bad-ciphertext', 1);
    }
  });

  it('a flipped byte in the header never verifies either', async () => {
    const { ciphertext } = await kms.encrypt('local:a.key', digest, context);
    for (let at = 0; at < 12; at++) {
      const flipped = Buffer.from(ciphertext);
      flipped[at]! ^= 0x01;
      // Magic bytes: not a local signature; fingerprint bytes: made by another key.
      await rejectsKind(kms.decrypt(flipped, context, 'local:a.key'), at < 4 ? 'bad-ciphertext' : 'wrong-key', 1);
    }
  });

  it('truncated or empty signatures are bad-ciphertext', async () => {
    const { ciphertext } = await kms.encrypt('local:a.key', digest, context);
    for (const length of [ciphertext.length - 1, 41, 40, 39, 12, 4, 0]) {
      await rejectsKind(kms.decrypt(ciphertext.subarray(0, length), context, 'local:a.key'), 'bad-ciphertext', 1);
    }
  });

  it('decrypt needs the key named (a local signature does not say where its key file is)', async () => {
    const { ciphertext } = await kms.encrypt('local:a.key', digest, context);
    await assert.rejects(
      kms.decrypt(ciphertext, context),
      (error: unknown) => error instanceof KmssigError && error.code === 'USAGE' && /--key local:/.test(error.message),
    );
  });

  it('a missing or malformed key file is not-found (exit 3), and says how to create one', async () => {
    await rejectsKind(kms.encrypt('local:absent.key', digest, {}), 'not-found', 3);
    await assert.rejects(kms.encrypt('local:absent.key', digest, {}), /kmssig keygen local:absent\.key/);
    writeFileSync(join(dir, 'short.key'), Buffer.alloc(16).toString('base64'));
    await rejectsKind(kms.encrypt('local:short.key', digest, {}), 'not-found', 3);
  });

  it('createLocalKey writes a labelled 32-byte key with mode 0600 and never replaces a file', async () => {
    const path = join(dir, 'a.key');
    const text = readFileSync(path, 'utf8');
    assert.match(text, /NOT for production/);
    assert.equal(Buffer.from(text.replace(/^#.*$/gm, '').trim(), 'base64').length, 32);
    assert.equal(statSync(path).mode & 0o777, 0o600);
    await assert.rejects(createLocalKey(path), { code: 'EEXIST' });
    assert.equal(readFileSync(path, 'utf8'), text);
    assert.notEqual(readFileSync(join(dir, 'b.key'), 'utf8'), text, 'every key is random');
  });

  it('describeKey answers for an existing key; asymmetric operations are refused', async () => {
    assert.deepEqual(await kms.describeKey('local:a.key'), {
      arn: 'local:a.key',
      spec: 'SYMMETRIC_DEFAULT',
      usage: 'ENCRYPT_DECRYPT',
      signingAlgorithms: [],
    });
    await rejectsKind(kms.describeKey('local:absent.key'), 'not-found', 3);
    await assert.rejects(kms.sign('local:a.key', digest, 'ECDSA_SHA_256'), (e: unknown) => e instanceof KmssigError && e.code === 'CONFIG');
    await assert.rejects(kms.getPublicKey('local:a.key'), (e: unknown) => e instanceof KmssigError && e.code === 'CONFIG');
  });

  it('recognises local key IDs and local signatures', () => {
    assert.ok(isLocalKeyId('local:x.key'));
    assert.ok(!isLocalKeyId('arn:aws:kms:us-east-1:123456789012:key/x'));
    assert.ok(!isLocalKeyId(undefined));
    assert.ok(!isLocalCiphertext(Buffer.from('KSL')));
    assert.ok(!isLocalCiphertext(Buffer.alloc(128)));
  });
});
