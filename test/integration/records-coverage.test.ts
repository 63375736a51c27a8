import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { commitFiles, git, initRepo } from '../helpers/git.js';
import {
  CONFIG,
  both,
  committedDigests,
  craftRecord,
  head,
  noteLines,
  noteRecords,
  setNote,
  short,
  writeFile,
  type RecordsWorld,
  useRecordsWorld,
} from '../helpers/records.js';

const AUTHOR = 'Test Author <author@example.com>';

/** A local bare repository with one commit, the submodule's remote; git 2.39 needs protocol.file.allow for it. */
function libRemote(world: RecordsWorld): string {
  const work = initRepo(join(world.dir(), 'lib'));
  commitFiles(work, { 'lib.js': 'lib v1\n' }, 'lib v1');
  const bare = join(world.dir(), 'lib.git');
  git(work, ['clone', '-q', '--bare', work, bare]);
  return bare;
}

function addSubmodule(repo: string, remote: string, path: string): void {
  git(repo, ['-c', 'protocol.file.allow=always', 'submodule', 'add', '-q', remote, path]);
  git(repo, ['commit', '-q', '-m', `add submodule ${path}`]);
}

/** Moves the submodule to a new commit of its own and commits the bump in the outer repository. */
function bumpSubmodule(repo: string, path: string, content: string): string {
  commitFiles(join(repo, path), { 'lib.js': content }, 'lib change');
  git(repo, ['add', path]);
  git(repo, ['commit', '-q', '-m', `bump ${path}`]);
  return head(repo);
}

/** The record an older kmssig made: it left the gitlink out, signing the other listed files only. */
async function legacyRecord(world: RecordsWorld, repo: string, paths: string[]): Promise<void> {
  const commit = head(repo);
  const record = await craftRecord(world.moto.endpoint, world.keyArn, {
    context: { commit, branch: 'main', author: AUTHOR, repo: 'acme/app' },
    files: committedDigests(repo, commit, paths),
  });
  setNote(repo, commit, [JSON.stringify(record)]);
}

describe('coverage: a listed submodule is refused, never skipped (moto, real git submodules)', () => {
  let world: RecordsWorld;
  useRecordsWorld((w) => (world = w));

  it('kmssig sign refuses a submodule under a listed glob: exit 2, one line naming the path and what to do', async () => {
    const repo = world.repo({ files: { 'dist/app.js': 'app v1\n' } });
    addSubmodule(repo, libRemote(world), 'dist/lib');
    assert.equal(git(repo, ['ls-tree', 'HEAD', 'dist/lib']).split(' ')[0], '160000', 'a real gitlink');

    const sign = await world.kmssig(repo, ['sign']);
    assert.equal(sign.code, 2, both(sign));
    assert.equal(
      sign.stderr.trim(),
      `✖ "dist/lib" at ${short(head(repo))} is a submodule matched by the files patterns of .kmssigrc: kmssig cannot sign a submodule's content (a gitlink names a commit of another repository); add it to exclude (exclude: ["dist/lib"]), and sign the files that matter in the submodule's own repository`,
    );
    assert.deepEqual(noteLines(repo), [], 'nothing was signed');
  });

  it('an unsigned bump of a submodule fails check, naming it, even where an old record left it out (the issue)', async () => {
    const repo = world.repo({ files: { 'dist/app.js': 'app v1\n' } });
    addSubmodule(repo, libRemote(world), 'dist/lib');
    await legacyRecord(world, repo, ['.kmssigrc', 'dist/app.js']);
    const bump = bumpSubmodule(repo, 'dist/lib', 'lib v2, nobody signed this\n');

    for (const rev of ['HEAD~1', 'HEAD']) {
      const check = await world.kmssig(repo, ['check', '--rev', rev]);
      assert.equal(check.code, 1, both(check));
      assert.match(check.stdout, /^dist\/lib\s+submodule, cannot be signed/m);
      assert.match(check.stderr, /✖ "dist\/lib": a submodule under the files patterns, which kmssig cannot sign or verify/);
      assert.match(check.stderr, /1 release file\(s\) failed verification: dist\/lib \(submodule, cannot be signed\)/);
    }
    const json = await world.kmssig(repo, ['check', '--format', 'json']);
    assert.equal(json.code, 1, both(json));
    const doc = JSON.parse(json.stdout);
    assert.equal(doc.result, 'fail');
    assert.equal(doc.commit, bump);
    assert.deepEqual(
      doc.files.map((f: { path: string; state: string }) => [f.path, f.state]),
      [
        ['.kmssigrc', 'ok'],
        ['dist/app.js', 'ok'],
        ['dist/lib', 'submodule'],
      ],
    );
    const github = await world.kmssig(repo, ['check', '--format', 'github']);
    assert.equal(github.code, 1, both(github));
    assert.match(github.stdout, /^::error file=dist\/lib,title=kmssig::dist\/lib: submodule, cannot be signed/m);

    // On disk too: git lists the checked-out submodule as its folder.
    const worktree = await world.kmssig(repo, ['check', '--worktree']);
    assert.equal(worktree.code, 1, both(worktree));
    assert.match(worktree.stdout, /^dist\/lib\s+submodule, cannot be signed/m);
  });

  it('a submodule replacing a signed file fails as a submodule, not as a missing file', async () => {
    const repo = world.repo({ files: { 'dist/app.js': 'app v1\n', 'dist/lib': 'a plain file first\n' } });
    assert.equal((await world.kmssig(repo, ['sign'])).code, 0);
    git(repo, ['rm', '-q', 'dist/lib']);
    git(repo, ['commit', '-q', '-m', 'remove the file']);
    addSubmodule(repo, libRemote(world), 'dist/lib');
    const json = await world.kmssig(repo, ['check', '--format', 'json']);
    assert.equal(json.code, 1, both(json));
    const states = JSON.parse(json.stdout).files.filter((f: { path: string }) => f.path === 'dist/lib');
    assert.deepEqual(
      states.map((f: { state: string }) => f.state),
      ['submodule'],
    );
  });

  it('an excluded submodule is left out on purpose: sign and check pass, records hold no gitlink', async () => {
    const repo = world.repo({ config: { ...CONFIG, exclude: ['dist/lib'] }, files: { 'dist/app.js': 'app v1\n' } });
    addSubmodule(repo, libRemote(world), 'dist/lib');
    const sign = await world.kmssig(repo, ['sign']);
    assert.equal(sign.code, 0, both(sign));
    assert.deepEqual(Object.keys(noteRecords(repo)[0]!.files).sort(), ['.kmssigrc', 'dist/app.js']);
    for (const args of [['check'], ['check', '--worktree']]) {
      const check = await world.kmssig(repo, args);
      assert.equal(check.code, 0, both(check));
    }
  });

  it('check --worktree fails on an untracked nested repository under a listed glob', async () => {
    const repo = world.repo({ files: { 'dist/app.js': 'app v1\n' } });
    assert.equal((await world.kmssig(repo, ['sign'])).code, 0);
    git(join(world.dir()), ['clone', '-q', libRemote(world), join(repo, 'dist/vendored')]);
    const check = await world.kmssig(repo, ['check', '--worktree']);
    assert.equal(check.code, 1, both(check));
    assert.match(check.stdout, /^dist\/vendored\s+submodule, cannot be signed/m);
  });
});

describe('coverage: every files pattern must match a file (moto, real git)', () => {
  let world: RecordsWorld;
  useRecordsWorld((w) => (world = w));

  it('a typo pattern beside the real folder: sign stops with exit 2, naming the pattern; nothing is signed', async () => {
    const repo = world.repo({ config: { ...CONFIG, files: ['dsit/**'] }, files: { 'dist/app.js': 'unsigned artifact\n' } });
    const sign = await world.kmssig(repo, ['sign']);
    assert.equal(sign.code, 2, both(sign));
    assert.equal(
      sign.stderr.trim(),
      `✖ the files pattern "dsit/**" of .kmssigrc matches no file at ${short(head(repo))}, so nothing under it would be signed: check the spelling (dotfiles must be named explicitly; excluded files do not count), or, for files that come and go, list the pattern in allowEmpty`,
    );
    assert.deepEqual(noteLines(repo), []);
  });

  it('names every empty pattern, and counts a pattern whose files are all excluded as empty', async () => {
    const repo = world.repo({
      config: { ...CONFIG, files: ['dist/**', 'dist/*.map', 'relase/*'], exclude: ['**/*.map'] },
      files: { 'dist/app.js': 'app\n', 'dist/app.js.map': 'map\n' },
    });
    const sign = await world.kmssig(repo, ['sign']);
    assert.equal(sign.code, 2, both(sign));
    assert.match(sign.stderr, /^✖ the files patterns "dist\/\*\.map", "relase\/\*" of \.kmssigrc match no file at /);
  });

  it('check warns about an empty pattern, naming it, in every format, and keeps the exit code', async () => {
    // What an older kmssig signed for a typo: the configuration file alone.
    const repo = world.repo({ config: { ...CONFIG, files: ['dsit/**'] }, files: { 'dist/app.js': 'unsigned artifact\n' } });
    await legacyRecord(world, repo, ['.kmssigrc']);
    const warning = `the files pattern "dsit/**" matches no file at ${short(head(repo))}: nothing under it is signed or verified; fix the pattern, or list it in allowEmpty if its files come and go`;

    const human = await world.kmssig(repo, ['check']);
    assert.equal(human.code, 0, both(human));
    assert.ok(human.stderr.split('\n').includes(`⚠ ${warning}`), human.stderr);
    assert.match(human.stdout, /1 release file\(s\) verified/);

    const json = await world.kmssig(repo, ['check', '--format', 'json']);
    assert.equal(json.code, 0, both(json));
    const doc = JSON.parse(json.stdout);
    assert.equal(doc.result, 'pass');
    assert.deepEqual(doc.warnings, [{ kind: 'empty-pattern', pattern: 'dsit/**', message: warning }]);

    const github = await world.kmssig(repo, ['check', '--format', 'github']);
    assert.equal(github.code, 0, both(github));
    assert.ok(github.stdout.split('\n').includes(`::warning title=kmssig::${warning}`), github.stdout);

    // A failing check keeps exit 1 and still warns.
    commitFiles(repo, { '.kmssigrc': JSON.stringify({ ...CONFIG, files: ['dsit/**'] }, null, 1) }, 'unsigned edit');
    const failing = await world.kmssig(repo, ['check', '--format', 'json']);
    assert.equal(failing.code, 1, both(failing));
    assert.deepEqual(
      JSON.parse(failing.stdout).warnings.map((w: { pattern: string }) => w.pattern),
      ['dsit/**'],
    );
  });

  it('allowEmpty marks a pattern whose files come and go: sign and check pass without a warning', async () => {
    const config = { ...CONFIG, files: ['dist/**', 'docs/*.pdf'], allowEmpty: ['docs/*.pdf'] };
    const repo = world.repo({ config, files: { 'dist/app.js': 'app\n' } });
    const sign = await world.kmssig(repo, ['sign']);
    assert.equal(sign.code, 0, both(sign));
    const check = await world.kmssig(repo, ['check', '--format', 'json']);
    assert.equal(check.code, 0, both(check));
    assert.deepEqual(JSON.parse(check.stdout).warnings, []);
    const human = await world.kmssig(repo, ['check']);
    assert.doesNotMatch(both(human), /⚠/);
  });

  it('an allowEmpty entry that is not a files pattern is a configuration error naming it', async () => {
    const repo = world.repo({ config: { ...CONFIG, allowEmpty: ['dsit/**'] }, files: { 'dist/app.js': 'app\n' } });
    const sign = await world.kmssig(repo, ['sign']);
    assert.equal(sign.code, 2, both(sign));
    assert.equal(
      sign.stderr.trim(),
      '✖ invalid configuration in .kmssigrc: allowEmpty.0: "dsit/**" is not one of the files patterns: write the pattern exactly as it is in files',
    );
  });

  it('check --worktree sees the same empty pattern on disk', async () => {
    const repo = world.repo({ config: { ...CONFIG, files: ['dist/**', 'build/*'] }, files: { 'dist/app.js': 'app\n', 'build/x': 'x\n' } });
    assert.equal((await world.kmssig(repo, ['sign'])).code, 0);
    writeFile(repo, 'build/.keep', '');
    git(repo, ['rm', '-q', '--cached', 'build/x']);
    const check = await world.kmssig(repo, ['check', '--worktree', '--format', 'json']);
    // build/x is still on disk (untracked, not ignored): nothing is empty yet.
    assert.deepEqual(JSON.parse(check.stdout).warnings, []);
    git(repo, ['clean', '-q', '-f', 'build/x']);
    const emptied = await world.kmssig(repo, ['check', '--worktree', '--format', 'json']);
    assert.equal(emptied.code, 1, both(emptied));
    const doc = JSON.parse(emptied.stdout);
    assert.deepEqual(
      doc.warnings.map((w: { pattern: string }) => w.pattern),
      ['build/*'],
    );
    assert.deepEqual(
      doc.files.filter((f: { state: string }) => f.state !== 'ok').map((f: { path: string; state: string }) => [f.path, f.state]),
      [['build/x', 'missing']],
    );
  });
});

describe('configuration: a reserved static context key is named with its rule (exit 2)', () => {
  let world: RecordsWorld;
  useRecordsWorld((w) => (world = w));

  const gitRule = (key: string) =>
    `✖ invalid configuration in .kmssigrc: context.${key}: "${key}" is reserved: kmssig sets commit, branch, tag, author, remote from git, so a static pair may not take them over; rename the key (the git option says which git fields go into the context)`;
  const awsRule = (key: string) =>
    `✖ invalid configuration in .kmssigrc: context.${key}: "${key}" is reserved: KMS refuses encryption-context keys that start with 'aws' (any case); rename the key`;

  for (const [key, expected] of [
    ['awsRegion', awsRule('awsRegion')],
    ['AWS:account', awsRule('AWS:account')],
    ['commit', gitRule('commit')],
    ['branch', gitRule('branch')],
    ['tag', gitRule('tag')],
    ['author', gitRule('author')],
    ['remote', gitRule('remote')],
  ] as const) {
    it(`context key ${key}: sign and check exit 2 with the key and the rule`, async () => {
      const repo = world.repo({ config: { ...CONFIG, context: { repo: 'acme/app', [key]: 'x' } }, files: { 'dist/app.js': 'app\n' } });
      for (const command of ['sign', 'check']) {
        const r = await world.kmssig(repo, [command]);
        assert.equal(r.code, 2, `${command}: ${both(r)}`);
        assert.equal(r.stderr.trim(), expected, command);
      }
    });
  }
});
