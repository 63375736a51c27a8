import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { craftRecord, sha512hex } from '../helpers/records.js';
import { startKmsProxy, type KmsProxy } from '../helpers/proxy.js';
import { both, CONFIG, useHookWorlds, type HookWorld } from '../helpers/hookWorld.js';

/**
 * Issue 24, DESIGN 3.1 "No rollback" and 3.4 rules 7 and 8: a record binds
 * what a reader gets. The attacker clone `x` can push anything (no hooks,
 * --no-verify, notes included) but never signs; clone `a` signs on push (the
 * seed release: dist/app.txt); `b` is a teammate who pulls; `ci` a fresh
 * clone that runs the strict gate. Every route fails loudly (checked before
 * the fix by hand: the symlink, the mode flip and the rollback merge all
 * exited 0, the junk note made 1,501 Decrypt calls), and the honest version
 * of each passes without a word.
 */
describe('adversarial: records bind what a reader gets (entry types, no rollback, hostile notes)', () => {
  const { world, kms } = useHookWorlds();
  let proxy: KmsProxy;
  before(async () => {
    proxy = await startKmsProxy(kms().moto.endpoint);
  });
  after(async () => {
    await proxy?.close();
  });
  const a = (w: HookWorld) => join(w.root, 'a');
  const viaProxy = { AWS_ENDPOINT_URL_KMS: '' };
  const strict = (w: HookWorld, cwd: string, extra: string[] = []) => {
    viaProxy.AWS_ENDPOINT_URL_KMS = proxy.endpoint;
    return w.kmssig(cwd, ['check', '--key', w.keyArn, '--ref', 'main', '--context', 'repo=acme/app', ...extra], { env: viaProxy });
  };
  const rev = async (w: HookWorld, cwd: string, name = 'HEAD') => (await w.gitOk(cwd, ['rev-parse', name])).trim();
  const short = (oid: string) => oid.slice(0, 12);
  /** The report's line for a file (human output). */
  const row = (stdout: string, path: string) => stdout.split('\n').find((l) => l.startsWith(`${path} `)) ?? '';

  async function attacker(w: HookWorld): Promise<string> {
    const x = await w.clone('x', { hooks: false });
    await w.gitOk(x, ['fetch', '-q', 'origin', '+refs/notes/kmssig:refs/notes/kmssig']);
    return x;
  }
  const push = (w: HookWorld, x: string) => w.gitOk(x, ['push', '-q', '--no-verify', 'origin', 'HEAD:main']);
  /** The attacker replaces the note on a commit and pushes the notes ref. */
  async function pushNote(w: HookWorld, x: string, commit: string, text: string | Buffer) {
    const file = join(w.root, 'note.txt');
    writeFileSync(file, text);
    await w.gitOk(x, ['notes', '--ref=kmssig', 'add', '-f', '-F', file, commit]);
    rmSync(file);
    await w.gitOk(x, ['push', '-q', '--no-verify', 'origin', 'refs/notes/kmssig']);
  }

  describe('the entry type and mode are signed', () => {
    it('a symlink whose target text is the signed bytes fails in the tree, on disk and on pull (it served another file)', async () => {
      const w = await world();
      const manifest = '{"version":"1.0.0"}';
      await w.commit(a(w), {
        '.kmssigrc': JSON.stringify({ ...CONFIG, files: ['dist/**', 'release/manifest.json'] }),
        'release/manifest.json': manifest,
      });
      await w.gitOk(a(w), ['push', '-q', 'origin', 'main']);
      const signed = await rev(w, a(w));
      const b = await w.clone('b');
      // The link's target text is exactly the signed bytes; the file it names is not listed.
      const x = await attacker(w);
      rmSync(join(x, 'release/manifest.json'));
      symlinkSync(manifest, join(x, 'release/manifest.json'));
      writeFileSync(join(x, 'release', manifest), '{"version":"6.6.6","download":"https://evil.example/app"}');
      await w.gitOk(x, ['add', '-A']);
      await w.gitOk(x, ['commit', '-q', '-m', 'attack']);
      await push(w, x);
      assert.equal(
        (await w.gitOk(x, ['cat-file', 'blob', 'HEAD:release/manifest.json'])).toString(),
        manifest,
        'the blob is the signed bytes',
      );

      const pull = await w.git(b, ['pull', '-q']);
      assert.match(pull.stderr, /RELEASE FILES FAILED VERIFICATION/, both(pull));
      assert.match(readFileSync(join(b, 'release/manifest.json'), 'utf8'), /evil/, 'what a reader gets is the other file');
      const tree = await strict(w, b);
      assert.equal(tree.code, 1, both(tree));
      assert.match(
        row(tree.stdout, 'release/manifest.json'),
        new RegExp(`modified since ${short(signed)}: a symlink where a regular file \\(100644\\) was signed`),
      );
      const disk = await strict(w, b, ['--worktree']);
      assert.equal(disk.code, 1, both(disk));
      assert.match(row(disk.stdout, 'release/manifest.json'), /a symlink where a regular file \(100644\) was signed/);
    });

    it('an executable bit flipped without a new record fails, in the tree and on disk', async () => {
      const w = await world();
      const signed = await rev(w, a(w));
      const b = await w.clone('b');
      const x = await attacker(w);
      await w.gitOk(x, ['update-index', '--chmod=+x', 'dist/app.txt']);
      await w.gitOk(x, ['commit', '-q', '-m', 'make it executable']);
      assert.match(await w.gitOk(x, ['ls-tree', 'HEAD', 'dist/app.txt']), /^100755 /);
      await push(w, x);
      const pull = await w.git(b, ['pull', '-q']);
      assert.match(pull.stderr, /RELEASE FILES FAILED VERIFICATION/, both(pull));
      const tree = await strict(w, b);
      assert.equal(tree.code, 1, both(tree));
      assert.match(
        row(tree.stdout, 'dist/app.txt'),
        new RegExp(`modified since ${short(signed)}: an executable file \\(100755\\) where a regular file \\(100644\\) was signed`),
      );
      // On a clean checkout of the signed commit, a chmod on disk alone fails --worktree and leaves the tree check alone.
      const c = await w.clone('c', { hooks: false });
      await w.gitOk(c, ['checkout', '-q', signed]);
      chmodSync(join(c, 'dist/app.txt'), 0o755);
      assert.equal((await strict(w, c)).code, 0);
      const disk = await strict(w, c, ['--worktree']);
      assert.equal(disk.code, 1, both(disk));
      assert.match(row(disk.stdout, 'dist/app.txt'), /an executable file \(100755\) where a regular file \(100644\) was signed/);
    });

    it('--worktree never reads through a symlinked folder, even when the bytes there are the signed ones', async () => {
      const w = await world();
      const c = await w.clone('c', { hooks: false });
      assert.equal((await strict(w, c, ['--worktree'])).code, 0);
      // dist/ becomes a link to a folder outside the repository that holds identical bytes.
      const outside = join(w.root, 'outside');
      mkdirSync(outside);
      writeFileSync(join(outside, 'app.txt'), readFileSync(join(c, 'dist/app.txt')));
      renameSync(join(c, 'dist'), join(w.root, 'dist-moved'));
      symlinkSync(outside, join(c, 'dist'));
      const disk = await strict(w, c, ['--worktree']);
      assert.equal(disk.code, 1, both(disk));
      assert.match(row(disk.stdout, 'dist/app.txt'), /signed but missing: its folder dist is a symlink, which kmssig never follows/);
    });

    it('honest: a signed release with a real symlink and an executable verifies everywhere (check, --worktree, hooks)', async () => {
      const w = await world();
      const b = await w.clone('b');
      writeFileSync(join(a(w), 'dist/run.sh'), '#!/bin/sh\necho run\n');
      chmodSync(join(a(w), 'dist/run.sh'), 0o755);
      symlinkSync('app.txt', join(a(w), 'dist/latest'));
      await w.gitOk(a(w), ['add', '-A']);
      await w.gitOk(a(w), ['commit', '-q', '-m', 'an executable and a link']);
      const pushed = await w.git(a(w), ['push', '-q', 'origin', 'main']);
      assert.equal(pushed.code, 0, both(pushed));
      const [record] = await w.remoteRecords(await rev(w, a(w)));
      assert.equal(record!.v, 2);
      assert.deepEqual((record!.files as Record<string, unknown>)['dist/run.sh'], {
        mode: '100755',
        sha512: sha512hex('#!/bin/sh\necho run\n'),
      });
      assert.deepEqual((record!.files as Record<string, unknown>)['dist/latest'], { mode: '120000', sha512: sha512hex('app.txt') });
      // The teammate's pull, a fresh clone's checkout, the strict gate in the tree and on disk: all quiet.
      const pull = await w.git(b, ['pull', '-q']);
      assert.equal(pull.code, 0, both(pull));
      assert.doesNotMatch(pull.stderr, /✖|FAILED/);
      for (const cwd of [a(w), b]) {
        assert.equal((await strict(w, cwd)).code, 0);
        const disk = await strict(w, cwd, ['--worktree']);
        assert.equal(disk.code, 0, both(disk));
      }
      const c = await w.clone('c');
      const checkout = await w.git(c, ['checkout', '-q', 'HEAD~1']);
      assert.doesNotMatch(checkout.stderr, /✖|FAILED/, both(checkout));
      const back = await w.git(c, ['checkout', '-q', 'main']);
      assert.equal(back.code, 0, both(back));
      assert.doesNotMatch(back.stderr, /✖|FAILED/, both(back));
    });

    it('honest: an old-format (version 1) record still verifies regular files, and covers no executable', async () => {
      const w = await world();
      const x = await attacker(w);
      await w.commit(a(w), { 'dist/app.txt': 'app v2\n' });
      const commit = await rev(w, a(w));
      const context = { commit, branch: 'main', author: 'Test Author <author@example.com>', repo: 'acme/app' };
      const files = {
        '.kmssigrc': sha512hex(JSON.stringify(CONFIG)),
        'dist/app.txt': sha512hex('app v2\n'),
      };
      // A v1 record as kmssig wrote them before issue 24, pushed without kmssig's hook.
      const v1 = JSON.stringify(await craftRecord(w.moto.endpoint, w.keyArn, { context, files }));
      assert.match(v1, /"v":1/);
      await w.gitOk(a(w), ['push', '-q', '--no-verify', 'origin', 'main']);
      await w.gitOk(x, ['pull', '-q']);
      await pushNote(w, x, commit, v1 + '\n');
      const ci = await w.clone('ci', { hooks: false });
      const ok = await strict(w, ci);
      assert.equal(ok.code, 0, both(ok));
      // The same v1 record does not cover that file as an executable.
      await w.gitOk(ci, ['update-index', '--chmod=+x', 'dist/app.txt']);
      await w.gitOk(ci, ['commit', '-q', '-m', 'executable']);
      const flipped = await strict(w, ci);
      assert.equal(flipped.code, 1, both(flipped));
      assert.match(row(flipped.stdout, 'dist/app.txt'), /an executable file \(100755\) where a regular file \(100644\) was signed/);
    });
  });

  describe('no rollback', () => {
    /** main: the seed release S1, then a newer signed S2; returns both. */
    async function twoReleases(w: HookWorld) {
      const s1 = await rev(w, a(w));
      await w.commit(a(w), { 'dist/app.txt': 'app v2\n' }, 'release v2');
      await w.gitOk(a(w), ['push', '-q', 'origin', 'main']);
      return { s1, s2: await rev(w, a(w)) };
    }

    for (const order of ['newer first', 'older first'] as const) {
      it(`an unsigned merge that restores the older signed tree over main fails, naming both commits (parents ${order})`, async () => {
        const w = await world();
        const b = await w.clone('b');
        const { s1, s2 } = await twoReleases(w);
        await w.gitOk(b, ['pull', '-q']);
        const x = await attacker(w);
        // A fast-forward of main: no force-push, so branch protection does not stop it.
        const parents = order === 'newer first' ? ['-p', s2, '-p', s1] : ['-p', s1, '-p', s2];
        const merge = (await w.gitOk(x, ['commit-tree', `${s1}^{tree}`, ...parents, '-m', 'Merge v1'])).trim();
        await w.gitOk(x, ['reset', '-q', '--hard', merge]);
        await push(w, x);
        const pull = await w.git(b, ['pull', '-q']);
        assert.match(pull.stderr, /RELEASE FILES FAILED VERIFICATION/, both(pull));
        const ci = await w.clone('ci', { hooks: false });
        const check = await strict(w, ci);
        assert.equal(check.code, 1, both(check));
        assert.match(
          row(check.stdout, 'dist/app.txt'),
          new RegExp(`modified since ${short(s2)}: these are the bytes of the older signed ${short(s1)}, which ${short(s2)} supersedes`),
        );
        assert.match(check.stderr, new RegExp(`"dist/app.txt" is rolled back: ${short(s2)} is the newest signed commit here`));
        assert.match(check.stderr, new RegExp(`of ${short(s1)}, an older signed commit it supersedes`));
      });
    }

    it('honest: a signed revert to the older bytes passes, in check and on pull', async () => {
      const w = await world();
      const b = await w.clone('b');
      await twoReleases(w);
      await w.gitOk(b, ['pull', '-q']);
      await w.gitOk(a(w), ['revert', '--no-edit', 'HEAD']);
      const pushed = await w.git(a(w), ['push', '-q', 'origin', 'main']);
      assert.equal(pushed.code, 0, both(pushed));
      const pull = await w.git(b, ['pull', '-q']);
      assert.equal(pull.code, 0, both(pull));
      assert.doesNotMatch(pull.stderr, /✖|FAILED/);
      assert.equal(readFileSync(join(b, 'dist/app.txt'), 'utf8'), 'app v1\n');
      const ci = await w.clone('ci', { hooks: false });
      const check = await strict(w, ci);
      assert.equal(check.code, 0, both(check));
    });

    it('honest: merging main back into a branch that main already contains passes (the older side is superseded, the tree is the newer)', async () => {
      const w = await world();
      const { s1 } = await twoReleases(w);
      const ci = await w.clone('ci', { hooks: false });
      await w.gitOk(ci, ['checkout', '-q', '-b', 'old', s1]);
      await w.gitOk(ci, ['merge', '-q', '--no-ff', '--no-edit', 'origin/main']);
      const check = await w.kmssig(ci, ['check', '--key', w.keyArn, '--context', 'repo=acme/app']);
      assert.equal(check.code, 0, both(check));
    });
  });

  describe('hostile notes cost bounded work', () => {
    /** The seed release's genuine record line, and an attacker clone. */
    async function signedRelease(w: HookWorld) {
      const commit = await rev(w, a(w));
      const genuine = (await w.gitOk(a(w), ['notes', '--ref=kmssig', 'show', commit])).trim();
      assert.equal(genuine.split('\n').length, 1);
      return { commit, genuine, x: await attacker(w) };
    }
    /** The genuine record with another signature (what anyone can write): it claims the pinned key, this commit, the same files. */
    const junk = (genuine: string, n: number) =>
      Array.from({ length: n }, () => {
        const r = JSON.parse(genuine) as Record<string, unknown>;
        r.sig = randomBytes(Buffer.from(r.sig as string, 'base64').length).toString('base64');
        return JSON.stringify(r);
      });
    const decrypts = () => proxy.calls.get('Decrypt') ?? 0;

    it('1,500 junk records on the signed commit: at most 3 reach KMS, then exit 3 says the notes look flooded and where', async () => {
      const w = await world();
      const { commit, genuine, x } = await signedRelease(w);
      const ci = await w.clone('ci', { hooks: false });
      proxy.reset();
      const clean = await strict(w, ci);
      assert.equal(clean.code, 0, both(clean));
      assert.equal(decrypts(), 1, 'the clean note: one Decrypt');
      // The junk first, so the genuine line is the last one tried (the attacker chooses the order).
      await pushNote(w, x, commit, [...junk(genuine, 1500), genuine].join('\n') + '\n');
      proxy.reset();
      const flooded = await strict(w, ci);
      assert.equal(flooded.code, 3, both(flooded));
      assert.ok(decrypts() <= 3, `${decrypts()} Decrypt calls`);
      assert.equal(proxy.total(), decrypts(), JSON.stringify([...proxy.calls]));
      assert.match(
        flooded.stderr,
        new RegExp(`could not verify ${short(commit)}: its notes in refs/notes/remotes/origin/kmssig look flooded`),
      );
      assert.match(flooded.stderr, /3 records that claim to count failed their check with KMS/);
      assert.doesNotMatch(flooded.stderr, /network|unreachable/);
    });

    it('records that cannot count under the policy never reach KMS; identical claims are verified once', async () => {
      const w = await world();
      const { commit, genuine, x } = await signedRelease(w);
      const other = (change: (r: Record<string, any>) => void) =>
        Array.from({ length: 300 }, () => {
          const r = JSON.parse(junk(genuine, 1)[0]!) as Record<string, any>;
          change(r);
          return JSON.stringify(r);
        });
      const refused = [
        ...other((r) => (r.keyId = `${r.keyId.slice(0, -4)}ffff`)), // another key
        ...other((r) => (r.context.branch = 'feature')), // another ref
        ...other((r) => (r.context.repo = 'acme/other')), // another repository's context
        ...other((r) => (r.context.commit = 'f'.repeat(40))), // another commit
        ...other((r) => (r.alg = 'ECDSA_SHA_256')), // an asymmetric record, no public key pinned
      ];
      // The genuine claim again and again: other signedAt values, another key order.
      const r = JSON.parse(genuine) as Record<string, unknown>;
      const copies = Array.from({ length: 100 }, (_, i) =>
        JSON.stringify({ ...r, signedAt: `2026-01-01T00:00:${String(i % 60).padStart(2, '0')}Z` }),
      );
      const reordered = JSON.stringify(Object.fromEntries(Object.entries(r).reverse()));
      await pushNote(w, x, commit, [...refused, ...copies, reordered, genuine].join('\n') + '\n');
      const ci = await w.clone('ci', { hooks: false });
      proxy.reset();
      const check = await strict(w, ci, ['--format', 'json']);
      assert.equal(check.code, 0, both(check));
      assert.equal(decrypts(), 1, JSON.stringify([...proxy.calls]));
      const rejected = (JSON.parse(check.stdout) as { rejected: { reason: string; count?: number }[] }).rejected;
      assert.equal(
        rejected.reduce((sum, x) => sum + (x.count ?? 1), 0),
        1500,
        JSON.stringify(rejected),
      );
      assert.ok(rejected.length <= 6, 'one line per reason, with its count');
    });

    it('a note over the cap is not read (no KMS call, exit 1 naming it); the genuine note in another ref still counts', async () => {
      const w = await world();
      const { commit, genuine, x } = await signedRelease(w);
      // 65 MiB: the genuine line first, then padding lines (what anyone can push).
      const pad = Buffer.alloc(65 * 1024 * 1024, 'x');
      for (let at = 1000; at < pad.length; at += 1000) pad[at] = 10;
      await pushNote(w, x, commit, Buffer.concat([Buffer.from(genuine + '\n'), pad]));
      const ci = await w.clone('ci', { hooks: false });
      proxy.reset();
      const check = await strict(w, ci);
      assert.equal(check.code, 1, both(check));
      assert.equal(proxy.total(), 0, JSON.stringify([...proxy.calls]));
      assert.match(
        check.stderr + check.stdout,
        /the note in refs\/notes\/remotes\/origin\/kmssig is 65\.0 MiB, over the 64\.0 MiB a note may hold, so it was not read/,
      );
      // Clone a still has its own notes (refs/notes/kmssig): the union counts the genuine record there.
      await w.gitOk(a(w), ['fetch', '-q', 'origin', '+refs/notes/kmssig:refs/notes/remotes/origin/kmssig']);
      const own = await strict(w, a(w));
      assert.equal(own.code, 0, both(own));
    });

    it('a 60 MB note of junk under the cap is read as a stream and cut short: exit 3, at most 3 Decrypt calls', async () => {
      const w = await world();
      const { commit, genuine, x } = await signedRelease(w);
      const lines = junk(genuine, 1);
      const per = Buffer.byteLength(lines[0]!) + 1;
      await pushNote(w, x, commit, [...junk(genuine, Math.ceil(60_000_000 / per)), genuine].join('\n') + '\n');
      const ci = await w.clone('ci', { hooks: false });
      proxy.reset();
      const check = await strict(w, ci);
      assert.equal(check.code, 3, both(check));
      assert.ok(decrypts() <= 3, `${decrypts()} Decrypt calls`);
      assert.match(check.stderr, /look flooded/);
    });
  });
});
