// Compatibility proof for the seed format (DESIGN 2.1): an independent
// client — python3 with boto3 — doing the same KMS Encrypt of the file's
// SHA-512 with the same EncryptionContext makes signatures kmssig verifies,
// and kmssig's signatures decrypt with boto3 to exactly the file's SHA-512.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { run, runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/git.js';
import { createKey } from '../helpers/kms.js';
import { startMoto, type Moto } from '../helpers/moto.js';

// argv: encrypt <key-id> <file> <sig> <context-json> | decrypt <sig> <context-json>
// Hashes with hashlib (not with kmssig's code) and prints JSON on stdout.
const BOTO3 = `
import boto3, hashlib, json, os, sys
kms = boto3.client('kms', endpoint_url=os.environ['KMSSIG_TEST_ENDPOINT'], region_name='us-east-1')
mode = sys.argv[1]
if mode == 'encrypt':
    key, path, sig, context = sys.argv[2], sys.argv[3], sys.argv[4], json.loads(sys.argv[5])
    with open(path, 'rb') as f:
        digest = hashlib.sha512(f.read()).digest()
    args = {'KeyId': key, 'Plaintext': digest}
    if context:
        args['EncryptionContext'] = context
    out = kms.encrypt(**args)
    with open(sig, 'wb') as f:
        f.write(out['CiphertextBlob'])
    print(json.dumps({'keyId': out['KeyId']}))
elif mode == 'decrypt':
    sig, context = sys.argv[2], json.loads(sys.argv[3])
    with open(sig, 'rb') as f:
        blob = f.read()
    args = {'CiphertextBlob': blob}
    if context:
        args['EncryptionContext'] = context
    try:
        out = kms.decrypt(**args)
    except kms.exceptions.InvalidCiphertextException:
        print(json.dumps({'error': 'InvalidCiphertextException'}))
        sys.exit(0)
    print(json.dumps({'keyId': out['KeyId'], 'plaintext': out['Plaintext'].hex()}))
`;

describe('seed format: compatibility with an independent client (python3 + boto3)', () => {
  let moto: Moto;
  let keyArn: string;
  const alias = 'alias/compat';
  const dir = tempDir('kmssig-compat-');

  before(async () => {
    moto = await startMoto();
    keyArn = await createKey(moto.endpoint, { alias });
  });
  after(async () => {
    await moto?.stop();
    dir.cleanup();
  });

  const env = () => ({ ...moto.env, KMSSIG_TEST_ENDPOINT: moto.endpoint, AWS_DEFAULT_REGION: 'us-east-1' });

  async function boto3<T>(args: string[]): Promise<T> {
    const r = await run('python3', ['-c', BOTO3, ...args], { cwd: dir.path, env: env() });
    assert.equal(r.code, 0, `python3 + boto3 failed:\n${r.stderr}`);
    return JSON.parse(r.stdout) as T;
  }

  const kmssig = (args: string[]) => runCli(args, { cwd: dir.path, env: moto.env });

  const sha512Hex = (path: string) => createHash('sha512').update(readFileSync(path)).digest('hex');

  // Contents that exercise hashing: empty, every byte value, and several of
  // kmssig's read chunks (src/fs/hashFile.ts) with a ragged end.
  const files: [string, () => Buffer][] = [
    ['a text file', () => Buffer.from('release 1.0.0\n')],
    ['an empty file', () => Buffer.alloc(0)],
    ['every byte value', () => Buffer.from(Array.from({ length: 512 }, (_, i) => i % 256))],
    ['9 MiB + 123 random bytes', () => randomBytes(9 * 1024 * 1024 + 123)],
  ];

  // The same context in kmssig's syntax and as boto3's EncryptionContext.
  const contexts: [string[], Record<string, string>][] = [
    [[], {}],
    [['--context', 'env=prod,repo=acme/app', '--context', 'commit=0123abc'], { env: 'prod', repo: 'acme/app', commit: '0123abc' }],
    [['--context', 'targets=linux\\,darwin,query=a=b'], { targets: 'linux,darwin', query: 'a=b' }],
  ];

  let n = 0;
  for (const [what, make] of files) {
    for (const [flags, context] of contexts) {
      const label = `${what}, context ${JSON.stringify(context)}`;

      it(`boto3 signs, kmssig verifies: ${label}`, async () => {
        const file = join(dir.path, `py${++n}.bin`);
        const sig = `${file}.sig`;
        writeFileSync(file, make());
        const made = await boto3<{ keyId: string }>(['encrypt', alias, file, sig, JSON.stringify(context)]);
        assert.equal(made.keyId, keyArn);
        const ok = await kmssig(['verify', file, sig, ...flags, '--key', keyArn]);
        assert.equal(ok.code, 0, ok.stderr);
        assert.equal(ok.stdout, `valid signature from ${keyArn}\n`);
        // A different context is refused: the context really was bound by boto3 and read by kmssig.
        const other = await kmssig(['verify', file, sig, '--context', 'env=other', '--key', keyArn]);
        assert.equal(other.code, 1, other.stderr);
      });

      it(`kmssig signs, boto3 decrypts to the file's SHA-512: ${label}`, async () => {
        const file = join(dir.path, `js${++n}.bin`);
        const sig = `${file}.sig`;
        writeFileSync(file, make());
        const signed = await kmssig(['sign', alias, file, sig, ...flags]);
        assert.equal(signed.code, 0, signed.stderr);
        const out = await boto3<{ keyId?: string; plaintext?: string; error?: string }>(['decrypt', sig, JSON.stringify(context)]);
        assert.equal(out.error, undefined, 'boto3 decrypts the raw signature file with the same context');
        assert.equal(out.keyId, keyArn);
        assert.equal(out.plaintext, sha512Hex(file));
        // boto3 with a different context is refused as well.
        const wrong = await boto3<{ error?: string }>(['decrypt', sig, JSON.stringify({ ...context, env: 'other' })]);
        assert.equal(wrong.error, 'InvalidCiphertextException');
      });
    }
  }

  it('a boto3 signature of another file does not verify (exit 1)', async () => {
    const file = join(dir.path, 'swap.txt');
    writeFileSync(file, 'original\n');
    await boto3(['encrypt', keyArn, file, `${file}.sig`, '{}']);
    writeFileSync(file, 'swapped\n');
    const r = await kmssig(['verify', file, `${file}.sig`, '--key', keyArn]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /modified/);
  });
});
