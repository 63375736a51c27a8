import assert from 'node:assert/strict';
import { createHash, createPublicKey } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli, type CliResult } from '../helpers/cli.js';
import { tempDir } from '../helpers/git.js';
import { createKey, publicKeyPem } from '../helpers/kms.js';
import { startMoto, type Moto } from '../helpers/moto.js';
import { offlineEnv } from '../helpers/offline.js';
import { startKmsProxy, type KmsProxy } from '../helpers/proxy.js';

/**
 * `kmssig pubkey` and standalone record files (`sign-file` / `verify-file`)
 * for release artifacts outside git: signed against moto (through the
 * counting proxy), verified offline with a public key or online with KMS.
 */
const both = (r: CliResult) => `${r.stdout}\n${r.stderr}`;
const sha512hex = (data: string) => createHash('sha512').update(data).digest('hex');
const der = (pem: string) => createPublicKey(pem).export({ type: 'spki', format: 'der' });

describe('pubkey, sign-file and verify-file against moto', () => {
  let moto: Moto;
  let proxy: KmsProxy;
  let online: NodeJS.ProcessEnv;
  let offline: NodeJS.ProcessEnv;
  let ecArn: string;
  let otherEcArn: string;
  let rsaArn: string;
  let symArn: string;
  const cleanups: (() => void)[] = [];

  before(async () => {
    moto = await startMoto();
    proxy = await startKmsProxy(moto.endpoint);
    online = { ...moto.env, AWS_ENDPOINT_URL_KMS: proxy.endpoint };
    ecArn = await createKey(moto.endpoint, { spec: 'ECC_NIST_P256' });
    otherEcArn = await createKey(moto.endpoint, { spec: 'ECC_NIST_P256' });
    rsaArn = await createKey(moto.endpoint, { spec: 'RSA_3072' });
    symArn = await createKey(moto.endpoint, { alias: 'alias/artifacts' });
    const o = await offlineEnv();
    offline = o.env;
    cleanups.push(o.cleanup);
  });
  after(async () => {
    await proxy?.close();
    await moto?.stop();
    for (const c of cleanups) c();
  });

  function folder(): string {
    const dir = tempDir();
    cleanups.push(dir.cleanup);
    return dir.path;
  }

  /** A folder with two release artifacts and the PEM of the EC key. */
  async function artifacts(): Promise<{ dir: string; assets: string; pem: string }> {
    const dir = folder();
    const assets = join(dir, 'assets');
    mkdirSync(assets);
    writeFileSync(join(assets, 'app-1.2.0.tgz'), 'the release tarball');
    writeFileSync(join(assets, 'checksums.txt'), 'abc  app-1.2.0.tgz\n');
    const pem = join(dir, 'release.pem');
    writeFileSync(pem, await publicKeyPem(moto.endpoint, ecArn));
    return { dir, assets, pem };
  }

  const kmssig = (cwd: string, args: string[], env: NodeJS.ProcessEnv) => runCli(args, { cwd, env });

  describe('pubkey', () => {
    it('writes the SPKI PEM of an asymmetric key to standard output, outside any repository', async () => {
      const dir = folder();
      const r = await kmssig(dir, ['pubkey', '--key', rsaArn], online);
      assert.equal(r.code, 0, both(r));
      assert.match(r.stdout, /^-----BEGIN PUBLIC KEY-----\n[\s\S]+\n-----END PUBLIC KEY-----\n$/);
      assert.deepEqual(der(r.stdout), der(await publicKeyPem(moto.endpoint, rsaArn)));
      assert.equal(createPublicKey(r.stdout).asymmetricKeyType, 'rsa');
    });

    it('--out replaces an existing file whole and leaves no temp file behind', async () => {
      const dir = folder();
      writeFileSync(join(dir, 'release.pem'), 'an old key\n');
      const r = await kmssig(dir, ['pubkey', '--key', ecArn, '--out', 'release.pem'], online);
      assert.equal(r.code, 0, both(r));
      assert.equal(r.stdout, '');
      assert.match(r.stderr, new RegExp(`public key of ${ecArn} \\(ECC_NIST_P256\\)`));
      assert.deepEqual(der(readFileSync(join(dir, 'release.pem'), 'utf8')), der(await publicKeyPem(moto.endpoint, ecArn)));
      assert.deepEqual(readdirSync(dir), ['release.pem']);
    });

    it('refuses a symmetric key (exit 2) and writes nothing, although moto answers GetPublicKey for it', async () => {
      const dir = folder();
      const r = await kmssig(dir, ['pubkey', '--key', symArn, '--out', 'release.pem'], online);
      assert.equal(r.code, 2, both(r));
      assert.match(r.stderr, /not an asymmetric signing key/);
      assert.equal(existsSync(join(dir, 'release.pem')), false);
    });

    it('without --key and outside a configured repository is a usage error (exit 2)', async () => {
      const r = await kmssig(folder(), ['pubkey'], online);
      assert.equal(r.code, 2, both(r));
      assert.match(r.stderr, /no key: pass --key/);
    });
  });

  describe('sign-file and verify-file', () => {
    it('an asymmetric record: one Sign for all files, verified offline with the public key', async () => {
      const { assets, pem } = await artifacts();
      proxy.reset();
      const sign = await kmssig(
        assets,
        [
          'sign-file',
          'app-1.2.0.tgz',
          'checksums.txt',
          '--out',
          'app-1.2.0.kmssig.json',
          '--key',
          ecArn,
          '--context',
          'release=1.2.0,env=prod',
        ],
        online,
      );
      assert.equal(sign.code, 0, both(sign));
      assert.equal(proxy.calls.get('Sign'), 1);
      assert.equal(proxy.calls.get('Encrypt'), undefined);
      assert.equal(proxy.total(), 2, `calls: ${JSON.stringify([...proxy.calls])}`); // DescribeKey + Sign

      const record = JSON.parse(readFileSync(join(assets, 'app-1.2.0.kmssig.json'), 'utf8'));
      assert.deepEqual(Object.keys(record).sort(), ['alg', 'context', 'files', 'keyId', 'sig', 'signedAt', 'v']);
      assert.equal(record.v, 1);
      assert.equal(record.alg, 'ECDSA_SHA_256');
      assert.equal(record.keyId, ecArn);
      assert.deepEqual(record.context, { release: '1.2.0', env: 'prod' });
      assert.deepEqual(record.files, {
        'app-1.2.0.tgz': sha512hex('the release tarball'),
        'checksums.txt': sha512hex('abc  app-1.2.0.tgz\n'),
      });

      const ok = await kmssig(assets, ['verify-file', 'app-1.2.0.kmssig.json', '--public-key', pem, '--context', 'env=prod'], offline);
      assert.equal(ok.code, 0, both(ok));
      assert.match(ok.stdout, /ok\s+app-1\.2\.0\.tgz/);
      assert.match(ok.stdout, /2 file\(s\) verified, signed with .* \(ECDSA_SHA_256\)/);

      // From another folder: the files are looked up beside the record, or in --dir.
      const elsewhere = folder();
      writeFileSync(join(elsewhere, 'app.kmssig.json'), readFileSync(join(assets, 'app-1.2.0.kmssig.json')));
      const beside = await kmssig(elsewhere, ['verify-file', 'app.kmssig.json', '--public-key', pem], offline);
      assert.equal(beside.code, 1, both(beside));
      assert.match(beside.stdout, /missing\s+app-1\.2\.0\.tgz/);
      const withDir = await kmssig(elsewhere, ['verify-file', 'app.kmssig.json', '--dir', assets, '--public-key', pem], offline);
      assert.equal(withDir.code, 0, both(withDir));

      // Required context that the record does not carry.
      const staging = await kmssig(
        assets,
        ['verify-file', 'app-1.2.0.kmssig.json', '--public-key', pem, '--context', 'env=staging'],
        offline,
      );
      assert.equal(staging.code, 1, both(staging));
      assert.match(staging.stderr, /invalid signature in app-1\.2\.0\.kmssig\.json: .*env/);
      assert.doesNotMatch(staging.stdout, /verified/);

      // Another key's public key.
      const otherPem = join(assets, '..', 'other.pem');
      writeFileSync(otherPem, await publicKeyPem(moto.endpoint, otherEcArn));
      const wrong = await kmssig(assets, ['verify-file', 'app-1.2.0.kmssig.json', '--public-key', otherPem], offline);
      assert.equal(wrong.code, 1, both(wrong));
      assert.match(wrong.stderr, /pinned public key/);

      // A tampered file, offline.
      writeFileSync(join(assets, 'app-1.2.0.tgz'), 'the release tarball, with a backdoor');
      const tampered = await kmssig(assets, ['verify-file', 'app-1.2.0.kmssig.json', '--public-key', pem], offline);
      assert.equal(tampered.code, 1, both(tampered));
      assert.match(tampered.stdout, /MODIFIED since signing\s+app-1\.2\.0\.tgz/);
      assert.match(tampered.stderr, /app-1\.2\.0\.tgz is modified/);
    });

    it('an asymmetric record with a changed context or alg is invalid (exit 1), offline', async () => {
      const { assets, pem } = await artifacts();
      const sign = await kmssig(
        assets,
        ['sign-file', 'app-1.2.0.tgz', '--out', 'r.kmssig.json', '--key', ecArn, '--context', 'env=staging'],
        online,
      );
      assert.equal(sign.code, 0, both(sign));
      const record = JSON.parse(readFileSync(join(assets, 'r.kmssig.json'), 'utf8'));
      const forge = (changes: object) => writeFileSync(join(assets, 'forged.kmssig.json'), JSON.stringify({ ...record, ...changes }));

      forge({ context: { env: 'prod' } });
      const promoted = await kmssig(assets, ['verify-file', 'forged.kmssig.json', '--public-key', pem, '--context', 'env=prod'], offline);
      assert.equal(promoted.code, 1, both(promoted));

      forge({ alg: 'SYMMETRIC_DEFAULT' });
      const symmetric = await kmssig(assets, ['verify-file', 'forged.kmssig.json', '--public-key', pem], offline);
      assert.equal(symmetric.code, 1, both(symmetric));

      forge({ extra: 'field' });
      const extra = await kmssig(assets, ['verify-file', 'forged.kmssig.json', '--public-key', pem], offline);
      assert.equal(extra.code, 1, both(extra));
      assert.match(extra.stderr, /not a valid kmssig record/);

      const untouched = await kmssig(assets, ['verify-file', 'r.kmssig.json', '--public-key', pem], offline);
      assert.equal(untouched.code, 0, both(untouched));
    });

    it('an asymmetric record verifies online with --key (public key from KMS), and only for that key', async () => {
      const { assets } = await artifacts();
      const sign = await kmssig(assets, ['sign-file', 'app-1.2.0.tgz', 'checksums.txt', '--out', 'r.kmssig.json', '--key', ecArn], online);
      assert.equal(sign.code, 0, both(sign));
      const ok = await kmssig(assets, ['verify-file', 'r.kmssig.json', '--key', ecArn], online);
      assert.equal(ok.code, 0, both(ok));
      const other = await kmssig(assets, ['verify-file', 'r.kmssig.json', '--key', otherEcArn], online);
      assert.equal(other.code, 1, both(other));
      assert.match(other.stderr, /invalid signature in r\.kmssig\.json: .*allowed/);
      assert.doesNotMatch(other.stdout, /verified/);
      const neither = await kmssig(assets, ['verify-file', 'r.kmssig.json'], online);
      assert.equal(neither.code, 2, both(neither));
      assert.match(neither.stderr, /pass --public-key/);
    });

    it('RSA_3072 with --algorithm RSASSA_PSS_SHA_512 round-trips offline', async () => {
      const { dir, assets } = await artifacts();
      const sign = await kmssig(
        assets,
        ['sign-file', 'app-1.2.0.tgz', '--out', 'r.kmssig.json', '--key', rsaArn, '--algorithm', 'RSASSA_PSS_SHA_512'],
        online,
      );
      assert.equal(sign.code, 0, both(sign));
      assert.equal(JSON.parse(readFileSync(join(assets, 'r.kmssig.json'), 'utf8')).alg, 'RSASSA_PSS_SHA_512');
      const rsaPem = join(dir, 'rsa.pem');
      writeFileSync(rsaPem, await publicKeyPem(moto.endpoint, rsaArn));
      const ok = await kmssig(assets, ['verify-file', 'r.kmssig.json', '--public-key', rsaPem], offline);
      assert.equal(ok.code, 0, both(ok));
      writeFileSync(join(assets, 'app-1.2.0.tgz'), 'changed');
      const tampered = await kmssig(assets, ['verify-file', 'r.kmssig.json', '--public-key', rsaPem], offline);
      assert.equal(tampered.code, 1, both(tampered));
    });

    it('a symmetric record: one Encrypt, verified online with KMS Decrypt; tamper → 1; never offline', async () => {
      const { assets, pem } = await artifacts();
      proxy.reset();
      const sign = await kmssig(
        assets,
        ['sign-file', 'app-1.2.0.tgz', 'checksums.txt', '--out', 'r.kmssig.json', '--key', 'alias/artifacts', '--context', 'release=1.2.0'],
        online,
      );
      assert.equal(sign.code, 0, both(sign));
      assert.equal(proxy.calls.get('Encrypt'), 1);
      assert.equal(proxy.calls.get('Sign'), undefined);
      const record = JSON.parse(readFileSync(join(assets, 'r.kmssig.json'), 'utf8'));
      assert.equal(record.alg, 'SYMMETRIC_DEFAULT');
      assert.equal(record.keyId, symArn, 'the record names the ARN behind the alias');

      const unpinned = await kmssig(assets, ['verify-file', 'r.kmssig.json'], online);
      assert.equal(unpinned.code, 0, both(unpinned));
      assert.match(unpinned.stderr, /not pinned/);
      const pinned = await kmssig(assets, ['verify-file', 'r.kmssig.json', '--key', symArn, '--context', 'release=1.2.0'], online);
      assert.equal(pinned.code, 0, both(pinned));
      assert.doesNotMatch(pinned.stderr, /not pinned/);

      // Offline, a symmetric record cannot be decided (exit 3), and a public key never accepts it (exit 1).
      const noKms = await kmssig(assets, ['verify-file', 'r.kmssig.json', '--key', symArn], offline);
      assert.equal(noKms.code, 3, both(noKms));
      const withPem = await kmssig(assets, ['verify-file', 'r.kmssig.json', '--public-key', pem], offline);
      assert.equal(withPem.code, 1, both(withPem));

      // A record whose context was changed no longer decrypts.
      writeFileSync(join(assets, 'forged.kmssig.json'), JSON.stringify({ ...record, context: { release: '9.9.9' } }));
      const forged = await kmssig(assets, ['verify-file', 'forged.kmssig.json', '--key', symArn], online);
      assert.equal(forged.code, 1, both(forged));

      rmSync(join(assets, 'checksums.txt'));
      const missing = await kmssig(assets, ['verify-file', 'r.kmssig.json', '--key', symArn], online);
      assert.equal(missing.code, 1, both(missing));
      assert.match(missing.stderr, /checksums\.txt is missing/);
    });

    it('refuses two files with the same name (exit 2) before any KMS call, and writes nothing', async () => {
      const { dir, assets } = await artifacts();
      mkdirSync(join(dir, 'other'));
      writeFileSync(join(dir, 'other', 'checksums.txt'), 'another file with the same name');
      proxy.reset();
      const r = await kmssig(
        dir,
        ['sign-file', 'assets/checksums.txt', 'other/checksums.txt', '--out', 'r.kmssig.json', '--key', ecArn],
        online,
      );
      assert.equal(r.code, 2, both(r));
      assert.match(r.stderr, /same file name "checksums\.txt"/);
      assert.equal(proxy.total(), 0);
      assert.equal(existsSync(join(dir, 'r.kmssig.json')), false);
      assert.ok(existsSync(join(assets, 'checksums.txt')));
    });

    it('usage errors: no --out, no file, a file that does not exist (exit 2)', async () => {
      const { assets } = await artifacts();
      const noOut = await kmssig(assets, ['sign-file', 'app-1.2.0.tgz', '--key', ecArn], online);
      assert.equal(noOut.code, 2, both(noOut));
      const noFile = await kmssig(assets, ['sign-file', '--out', 'r.kmssig.json', '--key', ecArn], online);
      assert.equal(noFile.code, 2, both(noFile));
      const absent = await kmssig(assets, ['sign-file', 'nope.tgz', '--out', 'r.kmssig.json', '--key', ecArn], online);
      assert.equal(absent.code, 2, both(absent));
      assert.match(absent.stderr, /nope\.tgz/);
      assert.equal(existsSync(join(assets, 'r.kmssig.json')), false);
    });
  });
});
