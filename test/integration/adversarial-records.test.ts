import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { commitFiles, git } from '../helpers/git.js';
import { runInProcess, useKmsEnv } from '../helpers/inProcess.js';
import { createKey, publicKeyPem } from '../helpers/kms.js';
import { both, craftRecord, head, noteLines, setNote, sha512hex, startRecordsWorld, type RecordsWorld } from '../helpers/records.js';

/**
 * Issue 8, tampered records: a genuine record line, signed by kmssig through
 * moto, edited one field at a time and put back on its commit, as anyone who
 * can push refs/notes/kmssig could. `kmssig check` must never pass (exit 1,
 * or 3 when KMS cannot decide). Checks run in-process (the CLI's main()) to
 * try many edits quickly; the genuine record is also checked by the built CLI.
 */
interface Report {
  result: string;
  signed: unknown;
  rejected: { commit: string; reason: string }[];
}
type Rec = Record<string, any>;

describe('adversarial: tampered signature records', () => {
  let world: RecordsWorld;
  let repo: string;
  let commit: string;
  let genuine: string;
  before(async () => {
    world = await startRecordsWorld();
    useKmsEnv(world.moto.env);
    repo = world.repo({ files: { 'dist/app.bin': 'app v1', 'dist/lib.bin': 'lib v1' } });
    commit = head(repo);
    const sign = await world.kmssig(repo, ['sign']);
    assert.equal(sign.code, 0, both(sign));
    genuine = noteLines(repo)[0]!;
  });
  after(async () => {
    await world?.cleanup();
  });

  /** Puts exactly these lines on `at` and checks HEAD (in-process, no cache, JSON). */
  async function checkWith(lines: string[], target = repo, at = head(target)) {
    setNote(target, at, lines);
    const res = await runInProcess(['check', '--no-cache', '--no-fetch', '--format', 'json'], { cwd: target, env: world.env });
    let report: Report;
    try {
      report = JSON.parse(res.stdout);
    } catch {
      assert.fail(`check printed no JSON (exit ${res.code}): ${both(res)}`);
    }
    return { code: res.code, report, output: both(res) };
  }
  const edit = (change: (r: Rec) => void, line = genuine) => {
    const record = JSON.parse(line) as Rec;
    change(record);
    return JSON.stringify(record);
  };
  /** Exit 1 (or 3 when allowed), never a pass, and the record did not count. */
  async function rejected(line: string, options: { reason?: RegExp; allowUndecided?: boolean } = {}) {
    const res = await checkWith([line]);
    if (options.allowUndecided && res.code === 3) return res;
    assert.equal(res.code, 1, res.output);
    assert.equal(res.report.result, 'fail');
    assert.equal(res.report.signed, null, 'a tampered record never counts');
    const reasons = res.report.rejected.filter((r) => r.commit === commit).map((r) => r.reason);
    assert.ok(reasons.length > 0, `the tampered record was not reported: ${res.output}`);
    if (options.reason)
      assert.ok(
        reasons.some((r) => options.reason!.test(r)),
        `no reason matches ${options.reason}: ${reasons.join(' | ')}`,
      );
    return res;
  }
  const BROKEN = /corrupt|another context|not allowed|does not match|not the key/;

  it('the genuine record passes, in-process and with the built CLI (every edit below starts from it)', async () => {
    const res = await checkWith([genuine]);
    assert.equal(res.code, 0, res.output);
    const cli = await world.kmssig(repo, ['check', '--no-cache', '--no-fetch']);
    assert.equal(cli.code, 0, both(cli));
    assert.deepEqual(Object.keys(JSON.parse(genuine).context).sort(), ['author', 'branch', 'commit', 'repo']);
  });

  for (const key of ['commit', 'branch', 'author', 'repo']) {
    it(`context ${key} changed is rejected`, async () => {
      await rejected(edit((r) => (r.context[key] = key === 'commit' ? 'f'.repeat(40) : `${r.context[key]}x`)));
    });
    it(`context ${key} removed is rejected`, async () => {
      await rejected(edit((r) => delete r.context[key]));
    });
  }
  it('a context key added is rejected', async () => {
    await rejected(
      edit((r) => (r.context.env = 'prod')),
      { reason: BROKEN },
    );
    await rejected(
      edit((r) => (r.context.tag = 'v1.0.0')),
      { reason: BROKEN },
    );
  });

  it('files with one digest changed is rejected', async () => {
    await rejected(
      edit((r) => (r.files['dist/app.bin'] = { mode: '100644', sha512: sha512hex('app v2') })),
      { reason: BROKEN },
    );
  });
  it('files with one path added is rejected', async () => {
    await rejected(
      edit((r) => (r.files['dist/extra.bin'] = { mode: '100644', sha512: sha512hex('extra') })),
      { reason: BROKEN },
    );
  });
  it('files with one path removed is rejected', async () => {
    await rejected(
      edit((r) => delete r.files['dist/lib.bin']),
      { reason: BROKEN },
    );
  });
  it('files with one path renamed is rejected', async () => {
    await rejected(
      edit((r) => {
        r.files['dist/app2.bin'] = r.files['dist/app.bin'];
        delete r.files['dist/app.bin'];
      }),
      { reason: BROKEN },
    );
  });

  it('v changed is rejected', async () => {
    // The genuine record is version 2 (issue 24); under v 1 its entries are not digests.
    for (const v of [3, 0, '2', null, true])
      await rejected(
        edit((r) => (r.v = v)),
        { reason: /unsupported version/ },
      );
    await rejected(
      edit((r) => (r.v = 1)),
      { reason: /digest is not SHA-512 hex/ },
    );
  });
  it('alg changed is rejected (to an asymmetric alg with no public key, or to an unknown alg)', async () => {
    await rejected(
      edit((r) => (r.alg = 'ECDSA_SHA_256')),
      { reason: /asymmetric record, but no public key/ },
    );
    await rejected(
      edit((r) => (r.alg = 'RSAES_OAEP_SHA_256')),
      { reason: /unknown alg/ },
    );
    await rejected(
      edit((r) => (r.alg = 'symmetric_default')),
      { reason: /unknown alg/ },
    );
  });
  it('extra fields are rejected, in the signed part and beside it', async () => {
    await rejected(
      edit((r) => (r.policy = 'none')),
      { reason: /unknown field "policy"/ },
    );
    await rejected(genuine.replace(/^\{/, '{"__proto__":{"v":1},'), { reason: /unknown field "__proto__"/ });
    await rejected(
      edit((r) => (r.files = { ...r.files, extra: undefined, 'dist/x': { mode: '100644', sha512: 1 } })),
      { reason: /digest is not SHA-512 hex/ },
    );
  });

  it('a truncated, empty, doubled or bit-flipped record signature is rejected', async () => {
    const sig = Buffer.from(JSON.parse(genuine).sig, 'base64');
    const variants = [sig.subarray(0, sig.length - 1), sig.subarray(0, 32), Buffer.concat([sig, sig]), Buffer.from([0])];
    for (const at of [40, 64, sig.length - 17, sig.length - 1]) {
      const flipped = Buffer.from(sig);
      flipped[at]! ^= 0x80;
      variants.push(flipped);
    }
    for (const bytes of variants)
      await rejected(
        edit((r) => (r.sig = bytes.toString('base64'))),
        { reason: BROKEN },
      );
    await rejected(
      edit((r) => (r.sig = '')),
      { reason: /sig is not base64/ },
    );
    // A flipped key-id header: moto answers AccessDenied (AWS: InvalidCiphertext), so no decision: exit 3, never 0.
    const header = Buffer.from(sig);
    header[5]! ^= 0x01;
    await rejected(
      edit((r) => (r.sig = header.toString('base64'))),
      { allowUndecided: true },
    );
  });

  it('a sig in non-canonical base64 (same bytes, another line) is rejected', async () => {
    // The last character of a padded base64 string carries bits that decoding drops.
    const sig = JSON.parse(genuine).sig as string;
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
    const end = sig.replace(/=+$/, '');
    const last = alphabet.indexOf(end.at(-1)!);
    const twin = end.slice(0, -1) + alphabet[last ^ 1] + sig.slice(end.length);
    assert.deepEqual(Buffer.from(twin, 'base64'), Buffer.from(sig, 'base64'), 'the twin decodes to the same bytes');
    await rejected(
      edit((r) => (r.sig = twin)),
      { reason: /canonical base64/ },
    );
  });

  it('a tampered record beside the genuine one neither counts nor hides it', async () => {
    const evil = edit((r) => (r.files['dist/app.bin'] = { mode: '100644', sha512: sha512hex('evil') }));
    const res = await checkWith([evil, genuine]);
    assert.equal(res.code, 0, res.output);
    assert.deepEqual((res.report.signed as { context: unknown }).context, JSON.parse(genuine).context);
    // On a commit whose files are the evil ones, the same pair does not pass.
    const evilCommit = commitFiles(repo, { 'dist/app.bin': 'evil' }, 'evil build');
    try {
      const res2 = await checkWith([evil, edit((r) => (r.context.commit = evilCommit), evil)], repo, evilCommit);
      assert.equal(res2.code, 1, res2.output);
    } finally {
      git(repo, ['reset', '-q', '--hard', commit]);
    }
  });

  it('a record holding half a character (a lone \\ud800 escape) is unreadable: neither a crash nor a wall', async () => {
    // It has no UTF-8 form, so no payload: put on a newer commit, it must not stop the walk to the signed one.
    const hostile = edit((r) => (r.context.author = 'Mallory \ud800'));
    assert.match(hostile, /\\ud800/);
    const newer = commitFiles(repo, { 'README.md': 'not a release file' }, 'docs');
    try {
      const res = await checkWith([hostile], repo, newer);
      assert.equal(res.code, 0, res.output);
      assert.ok(
        res.report.rejected.some((r) => r.commit === newer && /not well-formed Unicode/.test(r.reason)),
        res.output,
      );
      assert.doesNotMatch(res.output, /internal error/);
      // Signing the commit that carries it works too, and keeps the line (it is not kmssig's to delete).
      const sign = await runInProcess(['sign'], { cwd: repo, env: world.env });
      assert.equal(sign.code, 0, both(sign));
      assert.equal(noteLines(repo, newer).length, 2);
    } finally {
      git(repo, ['reset', '-q', '--hard', commit]);
    }
  });

  describe('downgrade: an asymmetric record turned SYMMETRIC_DEFAULT under a verify.publicKeys pin', () => {
    let asym: string;
    let arepo: string;
    let aline: string;
    before(async () => {
      asym = await createKey(world.moto.endpoint, { spec: 'ECC_NIST_P256' });
      const pem = await publicKeyPem(world.moto.endpoint, asym);
      arepo = world.repo({
        config: {
          keyId: asym,
          files: ['dist/**'],
          context: { repo: 'acme/app' },
          verify: { publicKeys: ['keys/release.pem'], keys: [asym] },
        },
        files: { 'dist/app.bin': 'app v1', 'keys/release.pem': pem },
      });
      const sign = await world.kmssig(arepo, ['sign']);
      assert.equal(sign.code, 0, both(sign));
      // This clone pins the configuration's public key, as install does; a commit's PEM file is never trusted.
      const trust = await world.kmssig(arepo, ['trust', '--update']);
      assert.equal(trust.code, 0, both(trust));
      aline = noteLines(arepo)[0]!;
      assert.equal(JSON.parse(aline).alg, 'ECDSA_SHA_256');
      const ok = await checkWith([aline], arepo);
      assert.equal(ok.code, 0, ok.output);
    });

    it('the same signature with alg SYMMETRIC_DEFAULT does not verify (exit 1 or 3, never 0)', async () => {
      const res = await checkWith([edit((r) => (r.alg = 'SYMMETRIC_DEFAULT'), aline)], arepo);
      assert.ok(res.code === 1 || res.code === 3, res.output);
      assert.equal(res.report.signed ?? null, null);
    });

    it('a genuine KMS ciphertext claiming the pinned asymmetric key is rejected', async () => {
      // What a holder of kms:Encrypt on another (symmetric) key can write.
      const forged = await craftRecord(world.moto.endpoint, world.keyArn, {
        claimKeyId: asym,
        context: JSON.parse(aline).context,
        files: JSON.parse(aline).files,
      });
      const res = await checkWith([JSON.stringify(forged)], arepo);
      assert.ok(res.code === 1 || res.code === 3, res.output);
      assert.equal(res.report.signed ?? null, null);
    });

    it('without verify.keys, a symmetric record is refused outright under the public-key pin', async () => {
      writeFileSync(
        join(arepo, '.kmssigrc'),
        JSON.stringify({ keyId: asym, files: ['dist/**'], context: { repo: 'acme/app' }, verify: { publicKeys: ['keys/release.pem'] } }),
      );
      const c = commitFiles(arepo, {}, 'drop verify.keys');
      const files = {
        ...JSON.parse(aline).files,
        '.kmssigrc': { mode: '100644', sha512: sha512hex(git(arepo, ['cat-file', 'blob', `${c}:.kmssigrc`])) },
      };
      const forged = await craftRecord(world.moto.endpoint, world.keyArn, {
        v: 2,
        context: { ...JSON.parse(aline).context, commit: c },
        files,
      });
      const res = await checkWith([JSON.stringify(forged)], arepo, c);
      assert.equal(res.code, 1, res.output);
      assert.ok(
        res.report.rejected.some((r) => /pins public keys|not among the allowed keys/.test(r.reason)),
        res.output,
      );
      // Another asymmetric alg over the same signature does not verify either.
      const other = await checkWith([edit((r) => (r.alg = 'ECDSA_SHA_384'), aline)], arepo, head(arepo, 'HEAD~1'));
      assert.notEqual(other.code, 0, other.output);
    });
  });
});
