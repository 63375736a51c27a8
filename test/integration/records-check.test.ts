import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { commitFiles, git } from '../helpers/git.js';
import { createKey } from '../helpers/kms.js';
import {
  CONFIG,
  both,
  committedDigests,
  craftRecord,
  head,
  noteRecords,
  setNote,
  sha512hex,
  short,
  startRecordsWorld,
  writeFile,
  type RecordsWorld,
} from '../helpers/records.js';

const RELEASE = { 'dist/a.bin': 'a', 'dist/b.bin': 'b', 'dist/c.bin': 'c', 'README.md': 'not a release file' };

/** The file -> state lines of the human table (FILE STATE SIGNED-COMMIT KEY REF). */
function table(stdout: string): Map<string, string> {
  const rows = new Map<string, string>();
  for (const line of stdout.split('\n')) {
    const m = /^(\S+)\s{2,}(ok|modified since [0-9a-f]{12}|not signed|signed but missing|local, will be signed on push)(\s{2,}|$)/.exec(
      line,
    );
    if (m) rows.set(m[1]!, m[2]!);
  }
  return rows;
}

describe('kmssig check', () => {
  let world: RecordsWorld;
  before(async () => {
    world = await startRecordsWorld();
  });
  after(async () => {
    await world?.cleanup();
  });

  async function signedRepo(config: object = CONFIG, files: Record<string, string> = RELEASE) {
    const repo = world.repo({ config, files });
    const sign = await world.kmssig(repo, ['sign']);
    assert.equal(sign.code, 0, both(sign));
    return { repo, signed: head(repo) };
  }

  it('names each file ok, modified since <short>, not signed, or signed but missing', async () => {
    const { repo, signed } = await signedRepo();
    const ok = await world.kmssig(repo, ['check']);
    assert.equal(ok.code, 0, both(ok));
    assert.deepEqual(
      table(ok.stdout),
      new Map([
        ['.kmssigrc', 'ok'],
        ['dist/a.bin', 'ok'],
        ['dist/b.bin', 'ok'],
        ['dist/c.bin', 'ok'],
      ]),
    );

    writeFile(repo, 'dist/a.bin', 'changed');
    git(repo, ['rm', '-q', 'dist/c.bin']);
    commitFiles(repo, { 'dist/d.bin': 'new', 'README.md': 'edited, but not listed' }, 'unsigned change');
    const fail = await world.kmssig(repo, ['check']);
    assert.equal(fail.code, 1, both(fail));
    assert.deepEqual(
      table(fail.stdout),
      new Map([
        ['.kmssigrc', 'ok'],
        ['dist/a.bin', `modified since ${short(signed)}`],
        ['dist/b.bin', 'ok'],
        ['dist/c.bin', 'signed but missing'],
        ['dist/d.bin', 'not signed'],
      ]),
    );
    assert.match(fail.stderr, /3 release file\(s\) failed verification/);
  });

  it('--format json is one document naming every file with its state', async () => {
    const { repo, signed } = await signedRepo();
    writeFile(repo, 'dist/b.bin', 'changed');
    git(repo, ['rm', '-q', 'dist/a.bin']);
    const tip = commitFiles(repo, { 'dist/e.bin': 'new' });
    const res = await world.kmssig(repo, ['check', '--format', 'json']);
    assert.equal(res.code, 1, both(res));
    const report = JSON.parse(res.stdout);
    assert.equal(report.result, 'fail');
    assert.equal(report.commit, tip);
    assert.equal(report.signed.commit, signed);
    assert.equal(report.signed.keyId, world.keyArn);
    assert.equal(report.signed.context.commit, signed);
    const states = Object.fromEntries(report.files.map((f: { path: string; state: string }) => [f.path, f.state]));
    assert.deepEqual(states, {
      '.kmssigrc': 'ok',
      'dist/a.bin': 'missing',
      'dist/b.bin': 'modified',
      'dist/c.bin': 'ok',
      'dist/e.bin': 'unsigned',
    });
    const described = report.files.find((f: { path: string }) => f.path === 'dist/b.bin');
    assert.equal(described.description, `modified since ${short(signed)}`);
    assert.equal(described.signedCommit, signed);

    const pass = await world.kmssig(repo, ['check', '--format', 'json', '--rev', signed]);
    assert.equal(pass.code, 0, both(pass));
    assert.equal(JSON.parse(pass.stdout).result, 'pass');
  });

  it('--rev verifies another revision than HEAD, both ways', async () => {
    const { repo, signed } = await signedRepo();
    const unsigned = commitFiles(repo, { 'dist/a.bin': 'tampered' });
    assert.equal((await world.kmssig(repo, ['check'])).code, 1);
    const old = await world.kmssig(repo, ['check', '--rev', signed]);
    assert.equal(old.code, 0, both(old));
    assert.match(old.stdout, new RegExp(`✔ ${signed} \\(${short(signed)}\\)`));
    git(repo, ['checkout', '-q', signed]);
    const tip = await world.kmssig(repo, ['check', '--rev', unsigned]);
    assert.equal(tip.code, 1, both(tip));
    assert.equal(table(tip.stdout).get('dist/a.bin'), `modified since ${short(signed)}`);
  });

  it('--worktree sees files on disk: an edit, a new untracked file, a deletion', async () => {
    const { repo, signed } = await signedRepo();
    assert.equal((await world.kmssig(repo, ['check', '--worktree'])).code, 0);

    writeFile(repo, 'dist/a.bin', 'edited on disk');
    const edited = await world.kmssig(repo, ['check', '--worktree']);
    assert.equal(edited.code, 1, both(edited));
    assert.equal(table(edited.stdout).get('dist/a.bin'), `modified since ${short(signed)}`);
    assert.equal((await world.kmssig(repo, ['check'])).code, 0, 'the tree of HEAD is unchanged');

    git(repo, ['checkout', '-q', '--', 'dist/a.bin']);
    writeFile(repo, 'dist/new.bin', 'untracked');
    rmSync(join(repo, 'dist/b.bin'));
    const more = await world.kmssig(repo, ['check', '--worktree', '--format', 'json']);
    assert.equal(more.code, 1, both(more));
    const states = Object.fromEntries(JSON.parse(more.stdout).files.map((f: { path: string; state: string }) => [f.path, f.state]));
    assert.equal(states['dist/new.bin'], 'unsigned');
    assert.equal(states['dist/b.bin'], 'missing');
    assert.equal(states['dist/a.bin'], 'ok');

    // Ignored files are not files git sees.
    rmSync(join(repo, 'dist/new.bin'));
    git(repo, ['checkout', '-q', '--', 'dist/b.bin']);
    writeFile(repo, '.git/info/exclude', 'dist/*.log\n');
    writeFile(repo, 'dist/debug.log', 'ignored');
    const ignored = await world.kmssig(repo, ['check', '--worktree']);
    assert.equal(ignored.code, 0, both(ignored));
  });

  it('a symlink is hashed as its target text, never followed, the same in the tree and on disk', async () => {
    const repo = world.repo({ config: CONFIG, files: { 'dist/app.bin': 'app' } });
    writeFileSync(join(repo, '..', 'outside.txt'), 'a file outside the repository');
    symlinkSync('../../outside.txt', join(repo, 'dist/link'));
    symlinkSync('app.bin', join(repo, 'dist/alias.bin'));
    commitFiles(repo, {}, 'links');
    const sign = await world.kmssig(repo, ['sign']);
    assert.equal(sign.code, 0, both(sign));
    const [record] = noteRecords(repo);
    assert.deepEqual(record!.files['dist/link'], { mode: '120000', sha512: sha512hex('../../outside.txt') });
    assert.notEqual(record!.files['dist/link'].sha512, sha512hex(readFileSync(join(repo, '..', 'outside.txt'))));
    assert.deepEqual(record!.files['dist/alias.bin'], { mode: '120000', sha512: sha512hex('app.bin') });
    assert.equal((await world.kmssig(repo, ['check'])).code, 0);
    assert.equal((await world.kmssig(repo, ['check', '--worktree'])).code, 0);

    // Changing what the link points at changes its digest; changing the target's content does not.
    writeFileSync(join(repo, '..', 'outside.txt'), 'other content');
    assert.equal((await world.kmssig(repo, ['check', '--worktree'])).code, 0);
    rmSync(join(repo, 'dist/link'));
    symlinkSync('../../elsewhere.txt', join(repo, 'dist/link'));
    const retargeted = await world.kmssig(repo, ['check', '--worktree']);
    assert.equal(retargeted.code, 1, both(retargeted));
    assert.match(table(retargeted.stdout).get('dist/link') ?? '', /^modified since /);
  });

  it('static context pairs of the configuration are required of every record', async () => {
    const repo = world.repo({ config: CONFIG, files: { 'dist/app.bin': 'app' } });
    const commit = head(repo);
    const files = committedDigests(repo, commit, ['.kmssigrc', 'dist/app.bin']);
    const base = { commit, branch: 'main', author: 'Test Author <author@example.com>' };

    // A genuinely signed record without the pair (another repository's, replayed here) does not count.
    setNote(repo, commit, [JSON.stringify(await craftRecord(world.moto.endpoint, world.keyArn, { context: base, files }))]);
    const missing = await world.kmssig(repo, ['check', '--format', 'json']);
    assert.equal(missing.code, 1, both(missing));
    assert.match(JSON.stringify(JSON.parse(missing.stdout).rejected), /context repo is not \\"acme\/app\\"/);

    setNote(repo, commit, [
      JSON.stringify(await craftRecord(world.moto.endpoint, world.keyArn, { context: { ...base, repo: 'acme/other' }, files })),
    ]);
    assert.equal((await world.kmssig(repo, ['check'])).code, 1);

    // The same record with the pair is valid: the crafted records are genuine.
    setNote(repo, commit, [
      JSON.stringify(await craftRecord(world.moto.endpoint, world.keyArn, { context: { ...base, repo: 'acme/app' }, files })),
    ]);
    const ok = await world.kmssig(repo, ['check']);
    assert.equal(ok.code, 0, both(ok));
  });

  it('verify.keys pinned to another key fails; --key overrides the pin', async () => {
    const otherArn = await createKey(world.moto.endpoint);
    const { repo } = await signedRepo({ ...CONFIG, verify: { keys: [otherArn] } });
    const pinned = await world.kmssig(repo, ['check', '--format', 'json']);
    assert.equal(pinned.code, 1, both(pinned));
    const report = JSON.parse(pinned.stdout);
    assert.equal(report.signed, null);
    assert.match(JSON.stringify(report.rejected), /not among the allowed keys/);
    assert.equal((await world.kmssig(repo, ['check', '--key', world.keyArn])).code, 0);
    assert.equal((await world.kmssig(repo, ['check', '--key', otherArn])).code, 1);

    const { repo: right } = await signedRepo({ ...CONFIG, verify: { keys: [world.keyArn] } });
    assert.equal((await world.kmssig(right, ['check'])).code, 0);
  });

  it('a record whose keyId is not the ARN of the key that signed it is invalid, pinned or not', async () => {
    const otherArn = await createKey(world.moto.endpoint);
    const aliasArn = world.keyArn.replace(/:key\/.*$/, ':alias/release');
    for (const [config, claimKeyId] of [
      [{ ...CONFIG, verify: { keys: [otherArn] } }, otherArn],
      [CONFIG, otherArn],
      // DESIGN 2.2: the key ARN KMS returns must equal keyId; an alias (which can be re-pointed) is not the key.
      [CONFIG, aliasArn],
      [CONFIG, 'alias/release'],
    ] as const) {
      const repo = world.repo({ config, files: { 'dist/app.bin': 'app' } });
      const commit = head(repo);
      const files = committedDigests(repo, commit, ['.kmssigrc', 'dist/app.bin']);
      const context = { commit, branch: 'main', author: 'Test Author <author@example.com>', repo: 'acme/app' };
      // Encrypted with the release key, but claiming the other (allowed) key.
      setNote(repo, commit, [JSON.stringify(await craftRecord(world.moto.endpoint, world.keyArn, { context, files, claimKeyId }))]);
      const res = await world.kmssig(repo, ['check', '--format', 'json']);
      assert.equal(res.code, 1, `${claimKeyId}: ${both(res)}`);
      const report = JSON.parse(res.stdout);
      assert.equal(report.signed, null);
      assert.match(JSON.stringify(report.rejected), /not allowed|not the key/);
    }
  });

  it("verify.refs ['main'] refuses a record signed for feature and accepts one for main", async () => {
    const repo = world.repo({ config: { ...CONFIG, verify: { refs: ['main'] } }, files: RELEASE });
    git(repo, ['branch', 'feature']);
    const sign = await world.kmssig(repo, ['sign', '--ref', 'feature']);
    assert.equal(sign.code, 0, both(sign));
    const feature = await world.kmssig(repo, ['check', '--format', 'json']);
    assert.equal(feature.code, 1, both(feature));
    assert.equal(JSON.parse(feature.stdout).rejected.length, 1);
    // --ref overrides the configured refs.
    assert.equal((await world.kmssig(repo, ['check', '--ref', 'feature'])).code, 0);

    assert.equal((await world.kmssig(repo, ['sign'])).code, 0);
    const main = await world.kmssig(repo, ['check']);
    assert.equal(main.code, 0, both(main));
  });

  it("verify.refs ['refs/tags/v*'] accepts a record signed for a release tag only, where the commit is on a release tag", async () => {
    const repo = world.repo({ config: { ...CONFIG, verify: { refs: ['refs/tags/v*'] } }, files: RELEASE });
    assert.equal((await world.kmssig(repo, ['sign'])).code, 0);
    // main is not a release ref: its own record counts there (no false alarm for branch work).
    assert.equal((await world.kmssig(repo, ['check'])).code, 0, 'on main, not a release ref');
    git(repo, ['tag', 'v2.1.0']);
    assert.equal((await world.kmssig(repo, ['check'])).code, 1, 'on a release tag, signed for main only');
    assert.equal((await world.kmssig(repo, ['sign', '--ref', 'v2.1.0'])).code, 0);
    const tag = await world.kmssig(repo, ['check']);
    assert.equal(tag.code, 0, both(tag));
    assert.match(tag.stdout, /refs\/tags\/v2\.1\.0/);
  });

  it('verify.requireContext refuses records without the named keys', async () => {
    const { repo } = await signedRepo({ ...CONFIG, git: { author: false }, verify: { requireContext: ['author'] } });
    assert.equal(noteRecords(repo)[0]!.context.author, undefined);
    const res = await world.kmssig(repo, ['check', '--format', 'json']);
    assert.equal(res.code, 1, both(res));
    assert.match(JSON.stringify(JSON.parse(res.stdout).rejected), /context author is missing/);

    const { repo: present } = await signedRepo({ ...CONFIG, verify: { requireContext: ['author', 'branch', 'repo'] } });
    assert.equal((await world.kmssig(present, ['check'])).code, 0);
  });

  it('the configuration file is always signed: an unsigned change to it fails, whatever the globs say', async () => {
    const { repo, signed } = await signedRepo(
      { ...CONFIG, files: ['dist/**', 'release/**'] },
      { ...RELEASE, 'release/notes.txt': 'notes' },
    );
    assert.ok(Object.hasOwn(noteRecords(repo)[0]!.files, '.kmssigrc'));
    // Narrow the list so release/notes.txt is no longer checked, and commit without signing.
    commitFiles(repo, { '.kmssigrc': JSON.stringify({ ...CONFIG, files: ['dist/**'] }) }, 'narrow the release files');
    const res = await world.kmssig(repo, ['check']);
    assert.equal(res.code, 1, both(res));
    const rows = table(res.stdout);
    assert.equal(rows.get('.kmssigrc'), `modified since ${short(signed)}`);
    assert.equal(rows.get('release/notes.txt'), 'signed but missing');
  });

  it('reads records from the union of refs/notes/kmssig and every refs/notes/remotes/*/kmssig', async () => {
    const { repo, signed } = await signedRepo();
    // Only a remote's notes ref holds the record: it still counts.
    git(repo, ['update-ref', 'refs/notes/remotes/origin/kmssig', 'refs/notes/kmssig']);
    git(repo, ['update-ref', '-d', 'refs/notes/kmssig']);
    const remoteOnly = await world.kmssig(repo, ['check', '--no-cache']);
    assert.equal(remoteOnly.code, 0, both(remoteOnly));
    // A corrupt local note on the same commit does not hide the remote's valid record.
    setNote(repo, signed, ['{corrupt']);
    const union = await world.kmssig(repo, ['check', '--no-cache', '--format', 'json']);
    assert.equal(union.code, 0, both(union));
    assert.equal(JSON.parse(union.stdout).signed.commit, signed);
    // A notes ref elsewhere (not kmssig's) is not read.
    git(repo, ['update-ref', 'refs/notes/other', 'refs/notes/remotes/origin/kmssig']);
    git(repo, ['update-ref', '-d', 'refs/notes/remotes/origin/kmssig']);
    assert.equal((await world.kmssig(repo, ['check', '--no-cache'])).code, 1);
  });

  it('a versioned hook folder (.husky/) is always signed, but not .husky/_/', async () => {
    const { repo } = await signedRepo(CONFIG, {
      ...RELEASE,
      '.husky/pre-push': 'kmssig hook pre-push "$@"\n',
      '.husky/_/husky.sh': 'generated',
    });
    const files = Object.keys(noteRecords(repo)[0]!.files);
    assert.ok(files.includes('.husky/pre-push'));
    assert.ok(!files.includes('.husky/_/husky.sh'));
    commitFiles(repo, { '.husky/pre-push': '# verification removed\n' }, 'strip the hook');
    const res = await world.kmssig(repo, ['check']);
    assert.equal(res.code, 1, both(res));
    assert.match(table(res.stdout).get('.husky/pre-push') ?? '', /^modified since /);
  });
});
