import assert from 'node:assert/strict';
import { createHash, createPublicKey } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { KeySpec } from '@aws-sdk/client-kms';
import canonicalize from 'canonicalize';
import { run, runCli, type CliResult } from '../helpers/cli.js';
import { clone, commitFiles, git, initRepo, tempDir } from '../helpers/git.js';
import { createKey, publicKeyPem } from '../helpers/kms.js';
import { startMoto, type Moto } from '../helpers/moto.js';
import { offlineEnv } from '../helpers/offline.js';

/**
 * Asymmetric release records (DESIGN 2.2, issue 6): signed with KMS Sign
 * (moto), verified by `kmssig check` in another clone with no AWS at all,
 * and checked by openssl from the parts `kmssig export-record` writes.
 */
const both = (r: CliResult) => `${r.stdout}\n${r.stderr}`;
const PEM = 'keys/release.pem';

interface Release {
  signer: string;
  verifier: string;
  record: Record<string, unknown> & { alg: string; keyId: string; sig: string; files: Record<string, string> };
}

interface ReleaseOptions {
  keyArn: string;
  algorithm?: string;
  /** The PEM committed as verify.publicKeys (default: exported with `kmssig pubkey`). */
  pem?: string;
  verifyKeys?: string[];
  /** Rewrites the record before it is published (a forged note). */
  forge?: (record: Release['record']) => Release['record'];
}

describe('asymmetric keys: offline verification of release records', () => {
  let moto: Moto;
  let offline: NodeJS.ProcessEnv;
  const cleanups: (() => void)[] = [];
  const keys: Partial<Record<'p256' | 'p256b' | 'p384' | 'rsa', string>> = {};

  before(async () => {
    moto = await startMoto();
    const specs: [keyof typeof keys, KeySpec][] = [
      ['p256', 'ECC_NIST_P256'],
      ['p256b', 'ECC_NIST_P256'],
      ['p384', 'ECC_NIST_P384'],
      ['rsa', 'RSA_3072'],
    ];
    for (const [name, spec] of specs) keys[name] = await createKey(moto.endpoint, { spec });
    const o = await offlineEnv();
    offline = o.env;
    cleanups.push(o.cleanup);
  });
  after(async () => {
    await moto?.stop();
    for (const c of cleanups) c();
  });

  const kmssig = (cwd: string, args: string[], env: NodeJS.ProcessEnv) => runCli(args, { cwd, env });

  /** Signer clone (moto) signs and pushes; a verifier clone is made from the bare remote. */
  async function release(options: ReleaseOptions): Promise<Release> {
    const dir = tempDir();
    cleanups.push(dir.cleanup);
    const bare = initRepo(join(dir.path, 'remote.git'), { bare: true });
    const signer = initRepo(join(dir.path, 'signer'));
    git(signer, ['remote', 'add', 'origin', bare]);
    const config = {
      keyId: options.keyArn,
      ...(options.algorithm ? { algorithm: options.algorithm } : {}),
      files: ['dist/**'],
      context: { repo: 'acme/app' },
      verify: { publicKeys: [PEM], ...(options.verifyKeys ? { keys: options.verifyKeys } : {}) },
    };
    writeFileSync(join(signer, '.kmssigrc'), JSON.stringify(config, null, 2));
    if (options.pem) {
      commitFiles(signer, { [PEM]: options.pem }, 'public key');
    } else {
      // The key comes from the configuration's keyId.
      const pubkey = await kmssig(signer, ['pubkey', '--out', PEM], moto.env);
      assert.equal(pubkey.code, 0, both(pubkey));
      assert.match(pubkey.stderr, new RegExp(`public key of ${options.keyArn}`));
    }
    commitFiles(
      signer,
      { 'dist/app.tgz': 'binary release 1.0.0', 'dist/manifest.json': '{"version":"1.0.0"}', 'README.md': 'not a release file' },
      'release 1.0.0',
    );
    const sign = await kmssig(signer, ['sign'], moto.env);
    assert.equal(sign.code, 0, both(sign));
    let record = JSON.parse(git(signer, ['notes', '--ref=kmssig', 'show', 'HEAD']).trim()) as Release['record'];
    if (options.forge) {
      record = options.forge(record);
      git(signer, ['notes', '--ref=kmssig', 'add', '-f', '-m', canonicalize(record) as string, 'HEAD']);
    }
    git(signer, ['push', '-q', 'origin', 'main', 'refs/notes/kmssig']);
    const verifier = clone(bare, join(dir.path, 'verifier'));
    // The verifier pins what its configuration names: public keys are never read from a commit. First use
    // (trust --update without a pin, as install does) pins it only when a valid record covers the
    // configuration (issue 25); a release whose record does not verify is pinned as a person would, explicitly.
    const explicit = options.pem || options.forge;
    const pinned = [...(options.verifyKeys ?? [options.keyArn])].flatMap((k) => ['--key', k]);
    const trust = await kmssig(
      verifier,
      explicit ? ['trust', ...pinned, '--public-key', join(verifier, PEM)] : ['trust', '--update'],
      offline,
    );
    assert.equal(trust.code, 0, both(trust));
    return { signer, verifier, record };
  }

  it('the offline environment really has no KMS: a KMS call there fails with exit 3', async () => {
    const dir = tempDir();
    cleanups.push(dir.cleanup);
    const r = await kmssig(dir.path, ['pubkey', '--key', keys.p256!], offline);
    assert.equal(r.code, 3, both(r));
  });

  const cases = [
    { name: 'ECC_NIST_P256', key: 'p256', algorithm: undefined, alg: 'ECDSA_SHA_256' },
    { name: 'ECC_NIST_P384', key: 'p384', algorithm: undefined, alg: 'ECDSA_SHA_384' },
    { name: 'RSA_3072 (default algorithm)', key: 'rsa', algorithm: undefined, alg: 'RSASSA_PSS_SHA_256' },
    { name: 'RSA_3072 with algorithm RSASSA_PSS_SHA_512', key: 'rsa', algorithm: 'RSASSA_PSS_SHA_512', alg: 'RSASSA_PSS_SHA_512' },
  ] as const;

  for (const c of cases) {
    it(`${c.name}: signs with ${c.alg}, check passes offline, tampering fails offline, openssl verifies the exported record`, async () => {
      const keyArn = keys[c.key]!;
      const { signer, verifier, record } = await release({ keyArn, algorithm: c.algorithm });
      assert.equal(record.alg, c.alg);
      assert.equal(record.keyId, keyArn);
      assert.deepEqual(Object.keys(record.files).sort(), ['.kmssigrc', 'dist/app.tgz', 'dist/manifest.json', PEM]);

      // kmssig pubkey wrote the key's real public key (SPKI PEM).
      const written = readFileSync(join(signer, PEM), 'utf8');
      assert.match(written, /^-----BEGIN PUBLIC KEY-----\n/);
      const der = (pem: string) => createPublicKey(pem).export({ type: 'spki', format: 'der' });
      assert.deepEqual(der(written), der(await publicKeyPem(moto.endpoint, keyArn)));

      const pass = await kmssig(verifier, ['check'], offline);
      assert.equal(pass.code, 0, both(pass));
      assert.match(pass.stdout, /4 release file\(s\) verified/);

      // openssl, from the parts export-record writes (no AWS either).
      const exported = await kmssig(verifier, ['export-record', '--out', 'exported'], offline);
      assert.equal(exported.code, 0, both(exported));
      const out = join(verifier, 'exported');
      const payloadJson = readFileSync(join(out, 'payload.json'));
      const payloadBin = readFileSync(join(out, 'payload.bin'));
      const { sig: _sig, signedAt: _signedAt, ...signedPart } = record;
      assert.equal(payloadJson.toString('utf8'), canonicalize(signedPart));
      // Version 2: what openssl verifies binds each file's entry type and mode with its digest.
      assert.match(payloadJson.toString('utf8'), /"files":\{"\.kmssigrc":\{"mode":"100644","sha512":"[0-9a-f]{128}"\}/);
      assert.match(payloadJson.toString('utf8'), /"v":2\}$/);
      assert.equal(payloadBin.length, 64);
      assert.deepEqual(payloadBin, createHash('sha512').update(payloadJson).digest());
      assert.deepEqual(readFileSync(join(out, 'sig.bin')), Buffer.from(record.sig, 'base64'));

      const pss = c.alg.startsWith('RSASSA_PSS_') ? ['-sigopt', 'rsa_padding_mode:pss', '-sigopt', 'rsa_pss_saltlen:auto'] : [];
      const openssl = (message: string) =>
        run(
          'openssl',
          ['dgst', `-sha${c.alg.slice(-3)}`, '-verify', join(verifier, PEM), ...pss, '-signature', join(out, 'sig.bin'), message],
          { cwd: verifier },
        );
      const verified = await openssl(join(out, 'payload.bin'));
      assert.equal(verified.code, 0, both(verified));
      assert.match(verified.stdout, /Verified OK/);
      // The line kmssig prints is the same command.
      assert.match(exported.stdout, new RegExp(`openssl dgst -sha${c.alg.slice(-3)} -verify ${PEM}`));
      const flipped = Buffer.from(payloadBin);
      flipped[0]! ^= 1;
      writeFileSync(join(out, 'other.bin'), flipped);
      const refused = await openssl(join(out, 'other.bin'));
      assert.notEqual(refused.code, 0, 'openssl must refuse a payload that was not signed');

      // A release file changed by an unsigned commit fails, offline.
      commitFiles(verifier, { 'dist/app.tgz': 'binary release 1.0.0 with a backdoor' }, 'tamper');
      const tampered = await kmssig(verifier, ['check', '--no-fetch'], offline);
      assert.equal(tampered.code, 1, both(tampered));
      assert.match(tampered.stderr, /dist\/app\.tgz \(modified since [0-9a-f]{12}\)/);
    });
  }

  it('a record that does not verify with the pinned public key (another key) fails offline with exit 1', async () => {
    const other = await publicKeyPem(moto.endpoint, keys.p256b!);
    const { verifier } = await release({ keyArn: keys.p256!, pem: other });
    const r = await kmssig(verifier, ['check'], offline);
    assert.equal(r.code, 1, both(r));
    assert.match(r.stderr, /pinned public key/);
    assert.doesNotMatch(r.stdout, /verified/);
  });

  it('a public key of another type (RSA pinned, ECDSA record) fails with exit 1', async () => {
    const rsaPem = await publicKeyPem(moto.endpoint, keys.rsa!);
    const { verifier } = await release({ keyArn: keys.p256!, pem: rsaPem });
    const r = await kmssig(verifier, ['check'], offline);
    assert.equal(r.code, 1, both(r));
  });

  it('a record whose alg was changed to SYMMETRIC_DEFAULT never passes: offline, and online with its key allowed', async () => {
    const forge = (record: Release['record']) => ({ ...record, alg: 'SYMMETRIC_DEFAULT' });
    const pinned = await release({ keyArn: keys.p256!, forge });
    // The clone pinned the configuration's keyId, so the claim reaches KMS Decrypt (offline: exit 3): never a pass.
    const r = await kmssig(pinned.verifier, ['check'], offline);
    assert.ok([1, 3].includes(r.code), `expected exit 1 or 3 offline, got ${r.code}\n${both(r)}`);
    const unpinned = await kmssig(pinned.verifier, ['check', '--key', keys.p384!], offline);
    assert.equal(unpinned.code, 1, both(unpinned));

    // With the key also listed in verify.keys the record goes to KMS Decrypt: it still never passes.
    const allowed = await release({ keyArn: keys.p256!, verifyKeys: [keys.p256!], forge });
    const off = await kmssig(allowed.verifier, ['check'], offline);
    assert.ok([1, 3].includes(off.code), `expected exit 1 or 3 offline, got ${off.code}\n${both(off)}`);
    const on = await kmssig(allowed.verifier, ['check'], moto.env);
    assert.ok([1, 3].includes(on.code), `expected exit 1 or 3 against KMS, got ${on.code}\n${both(on)}`);
  });

  it('a record whose alg was changed to another signing algorithm fails offline with exit 1', async () => {
    const { verifier } = await release({ keyArn: keys.p256!, forge: (record) => ({ ...record, alg: 'ECDSA_SHA_512' }) });
    const r = await kmssig(verifier, ['check'], offline);
    assert.equal(r.code, 1, both(r));
  });

  it('without verify.publicKeys an asymmetric record does not count (exit 1)', async () => {
    const { signer } = await release({ keyArn: keys.p384! });
    const config = JSON.parse(readFileSync(join(signer, '.kmssigrc'), 'utf8'));
    config.verify.publicKeys = [];
    commitFiles(signer, { '.kmssigrc': JSON.stringify(config) }, 'drop the public key');
    const r = await kmssig(signer, ['check', '--no-fetch'], offline);
    assert.equal(r.code, 1, both(r));
    assert.match(r.stderr, /no public key is pinned/);
  });

  it('export-record exits 1 when the commit has no valid record', async () => {
    const { verifier } = await release({ keyArn: keys.p256!, pem: await publicKeyPem(moto.endpoint, keys.p256b!) });
    const check = await kmssig(verifier, ['check'], offline); // fetches the notes
    assert.equal(check.code, 1, both(check));
    const r = await kmssig(verifier, ['export-record', '--out', 'exported'], offline);
    assert.equal(r.code, 1, both(r));
    assert.match(r.stderr, /no valid signature record/);
    assert.throws(() => readFileSync(join(verifier, 'exported', 'sig.bin')), /ENOENT/);
  });
  it("--public-key pins the key from outside the repository: the repository's own verify.publicKeys no longer decides", async () => {
    // The repository names the wrong public key; CI pins the right one (and the key ARN) itself.
    const other = await publicKeyPem(moto.endpoint, keys.p256b!);
    const { verifier } = await release({ keyArn: keys.p256!, pem: other });
    const dir = tempDir();
    cleanups.push(dir.cleanup);
    writeFileSync(join(dir.path, 'right.pem'), await publicKeyPem(moto.endpoint, keys.p256!));
    writeFileSync(join(dir.path, 'wrong.pem'), other);
    const pinned = await kmssig(verifier, ['check', '--key', keys.p256!, '--public-key', join(dir.path, 'right.pem')], offline);
    assert.equal(pinned.code, 0, both(pinned));
    const wrong = await kmssig(verifier, ['check', '--key', keys.p256!, '--public-key', join(dir.path, 'wrong.pem')], offline);
    assert.equal(wrong.code, 1, both(wrong));
    // Under --key alone, the repository's PEM is not trusted: no public key, so the asymmetric record does not count.
    const keyOnly = await kmssig(verifier, ['check', '--key', keys.p256!], offline);
    assert.equal(keyOnly.code, 1, both(keyOnly));
  });
});
