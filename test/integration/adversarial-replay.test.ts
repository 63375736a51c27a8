import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { payloadDigest, serializeRecord, type SignatureRecord, type UnsignedRecord } from '../../src/core/record.js';
import { createLocalKey, createLocalKms } from '../../src/kms/localKey.js';
import { commitFiles, git } from '../helpers/git.js';
import { runInProcess } from '../helpers/inProcess.js';
import {
  both,
  CONFIG,
  committedDigests,
  craftRecord,
  head,
  noteLines,
  setNote,
  useRecordsWorld,
  type RecordsWorld,
} from '../helpers/records.js';

/**
 * Issue 8, replay and forgery: genuine records presented where they do not
 * belong (another branch, another commit, another repository), and records
 * made without any KMS right with a local development key that a commit
 * planted. None may pass `kmssig check`.
 */
type Rec = Record<string, any>;

describe('adversarial: replayed and forged records', () => {
  let world!: RecordsWorld;
  useRecordsWorld((w) => (world = w), { inProcess: true });

  const check = (cwd: string, args: string[] = []) =>
    runInProcess(['check', '--no-cache', '--no-fetch', '--format', 'json', ...args], { cwd, env: world.env });
  const reasons = (stdout: string) => (JSON.parse(stdout).rejected as { reason: string }[]).map((r) => r.reason).join(' | ');

  it('a valid record for branch feature is rejected for main under verify.refs', async () => {
    const repo = world.repo({ config: { ...CONFIG, verify: { refs: ['main'] } }, files: { 'dist/app.bin': 'app' } });
    const sign = await world.kmssig(repo, ['sign', '--ref', 'feature']);
    assert.equal(sign.code, 0, both(sign));
    assert.equal(JSON.parse(noteLines(repo)[0]!).context.branch, 'feature');
    const res = await check(repo);
    assert.equal(res.code, 1, both(res));
    assert.equal(JSON.parse(res.stdout).signed, null);
    assert.match(reasons(res.stdout), /allowed refs/);
    // The same commit signed for main passes: the ref, not the signature, was the problem.
    assert.equal((await world.kmssig(repo, ['sign', '--ref', 'main'])).code, 0);
    assert.equal((await check(repo)).code, 0);
    // And a feature record with its branch edited to main no longer verifies.
    const feature = noteLines(repo)
      .map((l) => JSON.parse(l) as Rec)
      .find((r) => r.context.branch === 'feature')!;
    setNote(repo, 'HEAD', [JSON.stringify({ ...feature, context: { ...feature.context, branch: 'main' } })]);
    const edited = await check(repo);
    assert.equal(edited.code, 1, both(edited));
  });

  it('a valid record copied onto another commit is rejected there', async () => {
    const repo = world.repo({ files: { 'dist/app.bin': 'app' } });
    assert.equal((await world.kmssig(repo, ['sign'])).code, 0);
    const signed = head(repo);
    const line = noteLines(repo)[0]!;
    // Same tree, another commit; the record moves to it and leaves the original.
    git(repo, ['commit', '-q', '--allow-empty', '-m', 'same files']);
    const other = head(repo);
    git(repo, ['notes', '--ref=kmssig', 'remove', signed]);
    setNote(repo, other, [line]);
    const res = await check(repo);
    assert.equal(res.code, 1, both(res));
    assert.equal(JSON.parse(res.stdout).signed, null);
    assert.match(reasons(res.stdout), /another commit|not this one/);
    // Put back on its own commit, it covers the copy's identical files again.
    setNote(repo, signed, [line]);
    assert.equal((await check(repo)).code, 0);
  });

  it('a valid record of another repository (its static repo pair differs) is rejected', async () => {
    const repo = world.repo({ files: { 'dist/app.bin': 'app' } });
    const commit = head(repo);
    const files = committedDigests(repo, commit, ['.kmssigrc', 'dist/app.bin']);
    const context = { commit, branch: 'main', author: 'Test Author <author@example.com>' };
    // Genuinely signed with the same key, by the same history's other repository (a fork, a mirror).
    for (const other of [{ ...context, repo: 'acme/other' }, context]) {
      const record = await craftRecord(world.moto.endpoint, world.keyArn, { context: other, files });
      setNote(repo, commit, [JSON.stringify(record)]);
      const res = await check(repo);
      assert.equal(res.code, 1, both(res));
      assert.match(reasons(res.stdout), /context repo is not "acme\/app"/);
    }
    // The control: the same record with this repository's pair passes.
    setNote(repo, commit, [
      JSON.stringify(await craftRecord(world.moto.endpoint, world.keyArn, { context: { ...context, repo: 'acme/app' }, files })),
    ]);
    assert.equal((await check(repo)).code, 0);
  });

  describe('local development keys: a signature anyone can make', () => {
    /** A record for HEAD's listed files, signed with a local key as an attacker would. */
    async function forge(repo: string, keyId: string, paths: string[]): Promise<string> {
      const commit = head(repo);
      const context = { commit, branch: 'main', author: 'Mallory <m@example.com>', repo: 'acme/app' };
      const unsigned: UnsignedRecord = { v: 1, alg: 'SYMMETRIC_DEFAULT', keyId, context, files: committedDigests(repo, commit, paths) };
      const { ciphertext } = await createLocalKms(repo).encrypt(keyId, payloadDigest(unsigned), context);
      const record: SignatureRecord = { ...unsigned, sig: Buffer.from(ciphertext).toString('base64'), signedAt: '2026-01-01T00:00:00Z' };
      setNote(repo, commit, [serializeRecord(record)]);
      return commit;
    }

    it('a record signed with a key file committed to the repository is rejected (no KMS right needed to forge)', async () => {
      const repo = world.repo({ files: { 'dist/app.bin': 'app' } });
      await createLocalKey(join(repo, 'dist', 'evil.key'));
      commitFiles(repo, { 'dist/app.bin': 'evil build' }, 'ship the evil build and a key');
      await forge(repo, 'local:dist/evil.key', ['.kmssigrc', 'dist/app.bin', 'dist/evil.key']);
      const res = await check(repo);
      assert.equal(res.code, 1, both(res));
      assert.equal(JSON.parse(res.stdout).signed, null);
      assert.match(reasons(res.stdout), /local development key local:dist\/evil\.key, which this clone does not trust/);
      // Named in the configuration as the signing key and allowed in verify.keys: still refused (the commit wrote both).
      writeFileSync(
        join(repo, '.kmssigrc'),
        JSON.stringify({ ...CONFIG, keyId: 'local:dist/evil.key', verify: { keys: ['local:dist/evil.key'] } }),
      );
      commitFiles(repo, {}, 'trust my key');
      await forge(repo, 'local:dist/evil.key', ['.kmssigrc', 'dist/app.bin', 'dist/evil.key']);
      const again = await check(repo);
      assert.equal(again.code, 1, both(again));
      // A key planted in the git directory (git-lfs objects, messages) is no better: not registered, not trusted.
      await createLocalKey(join(repo, '.git', 'planted.key'));
      await forge(repo, 'local:.git/planted.key', ['.kmssigrc', 'dist/app.bin', 'dist/evil.key']);
      assert.equal((await check(repo)).code, 1);
    });

    it('a key registered by kmssig keygen in this clone, or pinned with --key, is trusted', async () => {
      const repo = world.repo({ config: { ...CONFIG, keyId: 'local:.git/dev.key' }, files: { 'dist/app.bin': 'app' } });
      const keygen = await world.kmssig(repo, ['keygen', 'local:.git/dev.key']);
      assert.equal(keygen.code, 0, both(keygen));
      assert.match(git(repo, ['config', '--get-all', 'kmssig.localKey']), /\.git\/dev\.key/);
      assert.equal((await world.kmssig(repo, ['sign'])).code, 0);
      const res = await check(repo);
      assert.equal(res.code, 0, both(res));
      // Unregistered, the same genuine record is refused; pinned on the command line it counts again.
      git(repo, ['config', '--unset-all', 'kmssig.localKey']);
      assert.equal((await check(repo)).code, 1);
      assert.equal((await check(repo, ['--key', 'local:.git/dev.key'])).code, 0);
    });

    it('verify-file refuses a local-key record that was not pinned with --key', async () => {
      const dir = world.dir();
      mkdirSync(join(dir, 'assets'));
      writeFileSync(join(dir, 'assets', 'app.tgz'), 'app');
      await createLocalKey(join(dir, 'assets', 'shipped.key'));
      const sign = await world.kmssig(dir, [
        'sign-file',
        'assets/app.tgz',
        '--key',
        'local:assets/shipped.key',
        '--out',
        'assets/app.kmssig.json',
      ]);
      assert.equal(sign.code, 0, both(sign));
      const unpinned = await world.kmssig(dir, ['verify-file', 'assets/app.kmssig.json']);
      assert.equal(unpinned.code, 1, both(unpinned));
      assert.match(unpinned.stderr, /was not pinned/);
      const pinned = await world.kmssig(dir, ['verify-file', 'assets/app.kmssig.json', '--key', 'local:assets/shipped.key']);
      assert.equal(pinned.code, 0, both(pinned));
    });
  });
});
