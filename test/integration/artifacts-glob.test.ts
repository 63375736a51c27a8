import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createLocalKey } from '../../src/kms/localKey.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/git.js';

const both = (r: { stdout: string; stderr: string }) => r.stdout + r.stderr;

/** sign-file and verify-file with quoted glob patterns, over real files and symlinks on disk (issue 15). */
describe('sign-file and verify-file with glob patterns (real files, a local key)', () => {
  const dir = tempDir();
  let key: string;
  let assets: string;
  const kmssig = (cwd: string, args: string[]) => runCli(args, { cwd, env: { NO_COLOR: '1' } });
  const filesOf = (record: string) => Object.keys(JSON.parse(readFileSync(join(assets, record), 'utf8')).files as object).sort();

  before(async () => {
    key = `local:${join(dir.path, 'dev.key')}`;
    await createLocalKey(join(dir.path, 'dev.key'));
    assets = join(dir.path, 'assets');
    const outside = join(dir.path, 'outside');
    mkdirSync(join(assets, 'dist', 'sub'), { recursive: true });
    mkdirSync(join(assets, 'dist', '.cache'), { recursive: true });
    mkdirSync(outside);
    writeFileSync(join(assets, 'dist', 'app.tgz'), 'app');
    writeFileSync(join(assets, 'dist', 'cli.tgz'), 'cli');
    writeFileSync(join(assets, 'dist', 'notes.txt'), 'notes');
    writeFileSync(join(assets, 'dist', '.env.tgz'), 'secret-ish');
    writeFileSync(join(assets, 'dist', '.cache', 'c.tgz'), 'cache');
    writeFileSync(join(assets, 'dist', 'sub', 'lib.tgz'), 'lib');
    writeFileSync(join(outside, 'stolen.tgz'), 'not ours');
    writeFileSync(join(outside, 'deep.tgz'), 'not ours either');
    symlinkSync('app.tgz', join(assets, 'dist', 'alias.tgz'));
    symlinkSync(outside, join(assets, 'dist', 'linked'));
  });
  after(() => dir.cleanup());

  it('a quoted pattern: dotfiles only when named, symlinked folders not entered, a link inside the folder signed as its target', async () => {
    const r = await kmssig(assets, ['sign-file', 'dist/**/*.tgz', '--out', 'all.kmssig.json', '--key', key]);
    assert.equal(r.code, 0, both(r));
    // alias.tgz -> app.tgz stays inside dist/; dist/linked -> ../outside is never entered; .env.tgz and .cache/ are dotfiles.
    assert.deepEqual(filesOf('all.kmssig.json'), ['alias.tgz', 'app.tgz', 'cli.tgz', 'lib.tgz']);
    const record = JSON.parse(readFileSync(join(assets, 'all.kmssig.json'), 'utf8'));
    assert.equal(record.files['alias.tgz'], record.files['app.tgz'], 'the link is signed as the file it points to');

    const named = await kmssig(assets, ['sign-file', 'dist/*.tgz', 'dist/.env.tgz', '--out', 'dot.kmssig.json', '--key', key]);
    assert.equal(named.code, 0, both(named));
    assert.ok(filesOf('dot.kmssig.json').includes('.env.tgz'));
    const dotPattern = await kmssig(assets, ['sign-file', 'dist/.*.tgz', '--out', 'dot2.kmssig.json', '--key', key]);
    assert.equal(dotPattern.code, 0, both(dotPattern));
    assert.deepEqual(filesOf('dot2.kmssig.json'), ['.env.tgz']);
  });

  it("'!pattern' leaves out files and whole folders", async () => {
    const r = await kmssig(assets, ['sign-file', 'dist/**/*.tgz', '!dist/cli.tgz', '!dist/sub', '--out', 'some.kmssig.json', '--key', key]);
    assert.equal(r.code, 0, both(r));
    assert.deepEqual(filesOf('some.kmssig.json'), ['alias.tgz', 'app.tgz']);
  });

  it('a symlink matched by a pattern that points out of its folder is refused, naming it; named directly it is signed', async () => {
    symlinkSync(join(dir.path, 'outside', 'stolen.tgz'), join(assets, 'dist', 'sub', 'escape.tgz'));
    try {
      const r = await kmssig(assets, ['sign-file', 'dist/sub/*.tgz', '--out', 'x.kmssig.json', '--key', key]);
      assert.equal(r.code, 2, both(r));
      assert.match(r.stderr, /escape\.tgz is a symlink to .*outside\/stolen\.tgz, outside .*dist\/sub: a pattern never follows a symlink/);
      const direct = await kmssig(assets, ['sign-file', 'dist/sub/escape.tgz', '--out', 'x.kmssig.json', '--key', key]);
      assert.equal(direct.code, 0, both(direct));
      assert.deepEqual(filesOf('x.kmssig.json'), ['escape.tgz']);
    } finally {
      // The other tests list dist/sub.
      (await import('node:fs')).rmSync(join(assets, 'dist', 'sub', 'escape.tgz'));
    }
  });

  it('a pattern that matches nothing is a usage error (exit 2), never an empty record', async () => {
    const r = await kmssig(assets, ['sign-file', 'dist/*.zip', '--out', 'none.kmssig.json', '--key', key]);
    assert.equal(r.code, 2, both(r));
    assert.match(r.stderr, /dist\/\*\.zip matches no file: check the pattern \(quote it/);
    const missing = await kmssig(assets, ['sign-file', 'dist/nope.tgz', '--out', 'none.kmssig.json', '--key', key]);
    assert.equal(missing.code, 2, both(missing));
    assert.match(missing.stderr, /cannot read dist\/nope\.tgz: no such file/);
  });

  it('the record being written is left out of what a pattern matches', async () => {
    const first = await kmssig(assets, ['sign-file', 'dist/*', '--out', 'dist/release.kmssig.json', '--key', key]);
    assert.equal(first.code, 0, both(first));
    const again = await kmssig(assets, ['sign-file', 'dist/*', '--out', 'dist/release.kmssig.json', '--key', key]);
    assert.equal(again.code, 0, both(again));
    const record = JSON.parse(readFileSync(join(assets, 'dist', 'release.kmssig.json'), 'utf8'));
    assert.deepEqual(Object.keys(record.files).sort(), ['alias.tgz', 'app.tgz', 'cli.tgz', 'notes.txt']);
  });

  it('verify-file: a folder stands for its *.kmssig.json records, a pattern for those it matches; one bad record fails the run', async () => {
    const release = join(assets, 'release');
    mkdirSync(release);
    writeFileSync(join(release, 'a.bin'), 'a');
    writeFileSync(join(release, 'b.bin'), 'b');
    for (const name of ['a', 'b']) {
      const r = await kmssig(release, ['sign-file', `${name}.bin`, '--out', `${name}.kmssig.json`, '--key', key]);
      assert.equal(r.code, 0, both(r));
    }
    const folder = await kmssig(assets, ['verify-file', 'release', '--key', key]);
    assert.equal(folder.code, 0, both(folder));
    assert.match(folder.stdout, /release\/a\.kmssig\.json: 1 file\(s\) verified/);
    assert.match(folder.stdout, /release\/b\.kmssig\.json: 1 file\(s\) verified/);
    assert.match(folder.stdout, /2 record file\(s\) verified/);

    const pattern = await kmssig(assets, ['verify-file', 'release/a*.kmssig.json', '--key', key]);
    assert.equal(pattern.code, 0, both(pattern));
    assert.doesNotMatch(pattern.stdout, /b\.kmssig\.json/);

    writeFileSync(join(release, 'b.bin'), 'changed');
    const changed = await kmssig(assets, ['verify-file', 'release', '--key', key]);
    assert.equal(changed.code, 1, both(changed));
    assert.match(changed.stdout, /a\.kmssig\.json: 1 file\(s\) verified/);
    assert.match(changed.stderr, /b\.kmssig\.json: the signature is genuine, but b\.bin is modified/);
    assert.match(changed.stderr, /1 of 2 record file\(s\) failed/);

    writeFileSync(join(release, 'c.kmssig.json'), '{"v":1}\n');
    const invalid = await kmssig(assets, ['verify-file', 'release', '--key', key]);
    assert.equal(invalid.code, 1, both(invalid));
    assert.match(invalid.stderr, /c\.kmssig\.json is not a valid kmssig record/);
    assert.match(invalid.stdout, /a\.kmssig\.json: 1 file\(s\) verified/, 'the other records are still verified');

    const empty = join(assets, 'empty');
    mkdirSync(empty);
    const none = await kmssig(assets, ['verify-file', 'empty', '--key', key]);
    assert.equal(none.code, 2, both(none));
    assert.match(none.stderr, /empty matches no file/);
  });
});
