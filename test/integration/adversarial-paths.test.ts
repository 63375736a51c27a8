import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { commitFiles, git } from '../helpers/git.js';
import { runInProcess } from '../helpers/inProcess.js';
import {
  both,
  CONFIG,
  committedDigests,
  craftRecord,
  head,
  noteLines,
  noteRecords,
  setNote,
  sha512hex,
  useRecordsWorld,
  type RecordsWorld,
} from '../helpers/records.js';

/**
 * Issue 8, hostile paths: record paths that escape or alias (.., absolute,
 * NUL, two spellings of one file), a symlink among the release files that
 * points out of the repository (hashed as its link text, never followed),
 * file names that are ordinary but awkward (spaces, newlines, backslashes)
 * and a file name that is not UTF-8 (a clear error naming it, exit 2).
 */
type Rec = Record<string, any>;

describe('adversarial: hostile paths', () => {
  let world!: RecordsWorld;
  useRecordsWorld((w) => (world = w), { inProcess: true });

  const check = (cwd: string, args: string[] = []) =>
    runInProcess(['check', '--no-cache', '--no-fetch', '--format', 'json', ...args], { cwd, env: world.env });
  const rejections = (stdout: string) => (JSON.parse(stdout).rejected as { reason: string }[]).map((r) => r.reason).join(' | ');

  describe('record paths', () => {
    let repo: string;
    let commit: string;
    let genuine: Rec;
    before(async () => {
      repo = world.repo({ files: { 'dist/app.bin': 'app' } });
      commit = head(repo);
      assert.equal((await world.kmssig(repo, ['sign'])).code, 0);
      genuine = noteRecords(repo)[0]!;
    });

    const cases: [string, (files: Rec) => Rec, RegExp][] = [
      ['".." climbing out', (f) => ({ ...f, '../outside.bin': f['dist/app.bin'] }), /contains '\.\.'/],
      ['".." inside a path', (f) => ({ ...f, 'dist/../../etc/passwd': f['dist/app.bin'] }), /contains '\.\.'/],
      ['an absolute path', (f) => ({ ...f, '/etc/passwd': f['dist/app.bin'] }), /absolute path/],
      ['a NUL byte', (f) => ({ ...f, 'dist/app.bin\u0000.txt': f['dist/app.bin'] }), /contains NUL/],
      ['"a//b" beside "a/b"', (f) => ({ ...f, 'dist//app.bin': f['dist/app.bin'] }), /not normalized/],
      ['"./a" beside "a"', (f) => ({ ...f, './dist/app.bin': f['dist/app.bin'] }), /not normalized/],
      ['"a/./b" instead of "a/b"', (f) => ({ '.kmssigrc': f['.kmssigrc'], 'dist/./app.bin': f['dist/app.bin'] }), /not normalized/],
      ['a trailing slash', (f) => ({ ...f, 'dist/': f['dist/app.bin'] }), /not normalized/],
      ['an empty path', (f) => ({ ...f, '': f['dist/app.bin'] }), /empty path/],
    ];
    for (const [name, change, reason] of cases) {
      it(`a record with ${name} is rejected, even when genuinely signed`, async () => {
        // Edited in place (the signature no longer matches) and signed anew by a key holder: both refused by the reader.
        const edited = { ...genuine, files: change(genuine.files) };
        const signed = await craftRecord(world.moto.endpoint, world.keyArn, {
          v: genuine.v,
          context: genuine.context,
          files: edited.files,
        });
        for (const record of [edited, signed]) {
          setNote(repo, commit, [JSON.stringify(record)]);
          const res = await check(repo);
          assert.equal(res.code, 1, both(res));
          assert.equal(JSON.parse(res.stdout).signed, null);
          assert.match(rejections(res.stdout), reason);
        }
      });
    }
  });

  it('a symlink pointing outside the repository is hashed as its link text and never followed', async () => {
    const outside = join(world.dir(), 'secret.txt');
    writeFileSync(outside, 'secret v1');
    const repo = world.repo({ files: { 'dist/app.bin': 'app' } });
    mkdirSync(join(repo, 'dist', 'sub'), { recursive: true });
    symlinkSync(outside, join(repo, 'dist', 'abs-link'));
    symlinkSync('../../../../../../../../etc/hostname', join(repo, 'dist', 'sub', 'rel-link'));
    symlinkSync(join(outside, '..'), join(repo, 'dist', 'dir-link'));
    commitFiles(repo, {}, 'links');
    assert.equal((await world.kmssig(repo, ['sign'])).code, 0);
    const files = noteRecords(repo)[0]!.files as Rec;
    // Version 2 (issue 24): each link is signed as a symlink (120000) with the digest of its target text.
    assert.deepEqual(files['dist/abs-link'], { mode: '120000', sha512: sha512hex(outside) });
    assert.deepEqual(files['dist/sub/rel-link'], { mode: '120000', sha512: sha512hex('../../../../../../../../etc/hostname') });
    assert.deepEqual(
      files['dist/dir-link'],
      { mode: '120000', sha512: sha512hex(join(outside, '..')) },
      'a link to a folder is one entry, its target is not listed',
    );
    assert.ok(!Object.keys(files).some((p) => p.startsWith('dist/dir-link/')));
    // What the links point at changes: nothing kmssig signed did.
    writeFileSync(outside, 'secret v2, changed outside the repository');
    writeFileSync(join(outside, '..', 'new.txt'), 'new');
    for (const args of [[], ['--worktree']]) {
      const res = await check(repo, args);
      assert.equal(res.code, 0, both(res));
    }
    // Pointing a link elsewhere is a change of a release file.
    git(repo, ['rm', '-q', 'dist/abs-link']);
    symlinkSync('/etc/passwd', join(repo, 'dist', 'abs-link'));
    const worktree = await check(repo, ['--worktree']);
    assert.equal(worktree.code, 1, both(worktree));
    assert.deepEqual(
      JSON.parse(worktree.stdout)
        .files.filter((f: Rec) => f.state !== 'ok')
        .map((f: Rec) => [f.path, f.state]),
      [['dist/abs-link', 'modified']],
    );
  });

  it('file names with spaces, newlines, tabs, quotes and backslashes are signed and verified like any other', async () => {
    const names = [
      'dist/with space.bin',
      'dist/new\nline.bin',
      'dist/back\\slash.bin',
      'dist/tab\there.bin',
      'dist/quote".bin',
      'dist/ünïcødé ✓.bin',
      'dist/-dash.bin',
    ];
    const repo = world.repo({ files: Object.fromEntries(names.map((n, i) => [n, `content ${i}`])) });
    const sign = await world.kmssig(repo, ['sign']);
    assert.equal(sign.code, 0, both(sign));
    const record = JSON.parse(noteLines(repo)[0]!) as Rec;
    assert.deepEqual(Object.keys(record.files).sort(), ['.kmssigrc', ...names].sort());
    const digests = Object.fromEntries(Object.entries(record.files as Record<string, Rec>).map(([path, entry]) => [path, entry.sha512]));
    assert.deepEqual(digests, { ...digests, ...committedDigests(repo, head(repo), names) });
    for (const args of [[], ['--worktree']]) {
      const res = await world.kmssig(repo, ['check', '--no-cache', '--no-fetch', ...args]);
      assert.equal(res.code, 0, both(res));
    }
    // A change to one of them is named exactly.
    writeFileSync(join(repo, 'dist/new\nline.bin'), 'tampered');
    const res = await check(repo, ['--worktree']);
    assert.equal(res.code, 1, both(res));
    assert.deepEqual(
      JSON.parse(res.stdout)
        .files.filter((f: Rec) => f.state !== 'ok')
        .map((f: Rec) => f.path),
      ['dist/new\nline.bin'],
    );
  });

  it('a release file whose name is not UTF-8 gets a clear error naming it (exit 2), and other such files do not matter', async () => {
    const repo = world.repo({ files: { 'dist/app.bin': 'app' } });
    writeFileSync(Buffer.from(join(repo, 'dist', 'caf\xe9.bin'), 'latin1'), 'latin-1 name');
    commitFiles(repo, {}, 'a latin-1 name');
    for (const args of [['sign'], ['check', '--no-fetch'], ['check', '--no-fetch', '--worktree']]) {
      const res = await world.kmssig(repo, args);
      assert.equal(res.code, 2, `${args.join(' ')}: ${both(res)}`);
      assert.match(res.stderr, /the file name "dist\/caf\\xe9\.bin" is not valid UTF-8/);
      assert.doesNotMatch(both(res), /internal error|at .*\.js:\d+/);
    }
    // Excluded, or outside the release files, it no longer stops anything.
    writeFileSync(join(repo, '.kmssigrc'), JSON.stringify({ ...CONFIG, exclude: ['dist/caf*'] }));
    writeFileSync(Buffer.from(join(repo, 'notes-\xff.txt'), 'latin1'), 'elsewhere');
    commitFiles(repo, {}, 'exclude it');
    const sign = await world.kmssig(repo, ['sign']);
    assert.equal(sign.code, 0, both(sign));
    const res = await world.kmssig(repo, ['check', '--no-cache', '--no-fetch']);
    assert.equal(res.code, 0, both(res));
    assert.equal((await check(repo, ['--worktree'])).code, 0);
  });
});
