import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { run } from '../helpers/cli.js';
import { commitFiles, git, initRepo, tempDir } from '../helpers/git.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

// The one packaging test: what `npm pack` ships installs into a fresh
// repository and works there, with no AWS account (local key).
describe('the packed tarball', () => {
  const dir = tempDir('kmssig-pack-');
  let repo: string;
  let bin: string;
  before(() => {
    const tarball = execFileSync('npm', ['pack', '--silent', '--pack-destination', dir.path], { cwd: root, encoding: 'utf8' })
      .trim()
      .split('\n')
      .pop()!;
    repo = initRepo(join(dir.path, 'app'));
    writeFileSync(join(repo, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true }));
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', join(dir.path, tarball)], { cwd: repo, stdio: 'pipe' });
    bin = join(repo, 'node_modules', '.bin', 'kmssig');
  });
  after(() => dir.cleanup());

  it('ships the bin, the hook scripts and the types, and nothing of the tests', () => {
    const pkg = join(repo, 'node_modules', 'kmssig');
    for (const f of ['dist/bin.js', 'dist/index.js', 'dist/index.d.ts', 'hooks/pre-push', 'hooks/post-merge', 'README.md'])
      assert.ok(existsSync(join(pkg, f)), f);
    assert.equal(existsSync(join(pkg, 'test')), false);
    assert.equal(existsSync(join(pkg, 'src')), false);
  });

  it('runs --help and the demo from the installed package', async () => {
    const help = await run(bin, ['--help'], { cwd: repo });
    assert.equal(help.code, 0);
    assert.match(help.stdout, /kmssig <command>/);
    const demo = await run(bin, ['demo'], { cwd: repo });
    assert.equal(demo.code, 0, demo.stdout + demo.stderr);
  });

  it('installs hooks that find kmssig in node_modules/.bin and sign on push with a local key', async () => {
    const remote = initRepo(join(dir.path, 'remote.git'), { bare: true });
    git(repo, ['remote', 'add', 'origin', remote]);
    assert.equal((await run(bin, ['keygen', 'local:.git/dev.key'], { cwd: repo })).code, 0);
    writeFileSync(join(repo, '.kmssigrc'), JSON.stringify({ keyId: 'local:.git/dev.key', files: ['dist/**'] }));
    writeFileSync(join(repo, '.gitignore'), 'node_modules\n');
    commitFiles(repo, { 'dist/app.js': 'console.log(1)\n' });
    const install = await run(bin, ['install'], { cwd: repo });
    assert.equal(install.code, 0, install.stderr);
    assert.match(readFileSync(join(repo, '.git', 'hooks', 'pre-push'), 'utf8'), /kmssig hook pre-push|hook pre-push/);
    // PATH without any other kmssig: the hook must use node_modules/.bin.
    const env = {
      PATH: `${process.env
        .PATH!.split(':')
        .filter((p) => !p.includes('helpers/bin'))
        .join(':')}`,
    };
    git(repo, ['push', '-q', 'origin', 'main'], env);
    assert.match(git(remote, ['notes', '--ref=kmssig', 'show', 'main']), /"keyId":"local:\.git\/dev\.key"/);
    const check = await run(bin, ['check'], { cwd: repo });
    assert.equal(check.code, 0, check.stdout + check.stderr);
  });
});
