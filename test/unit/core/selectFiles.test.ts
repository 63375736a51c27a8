import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { matchFiles, selectFiles, type Selection } from '../../../src/core/selectFiles.js';

const TREE = [
  '.env',
  '.github/workflows/ci.yml',
  '.husky/_/.gitignore',
  '.husky/_/husky.sh',
  '.husky/pre-push',
  '.husky/post-merge',
  '.kmssigrc',
  'README.md',
  'dist/.cache/state',
  'dist/.env',
  'dist/app.js',
  'dist/app.js.map',
  'dist/sub/lib.js',
  'githooks/pre-push',
  'keys/release.pem',
  'src/index.ts',
];

const select = (s: Partial<Selection>, paths: string[] = TREE) =>
  selectFiles(paths, { files: [], exclude: [], always: [], alwaysPrefixes: [], ...s });

describe('selectFiles', () => {
  it('matches fast-glob patterns against repository paths, sorted', () => {
    assert.deepEqual(select({ files: ['dist/**'] }), ['dist/app.js', 'dist/app.js.map', 'dist/sub/lib.js']);
    assert.deepEqual(select({ files: ['dist/*.js'] }), ['dist/app.js']);
    assert.deepEqual(select({ files: ['src/*.ts', 'README.md'] }), ['README.md', 'src/index.ts']);
    assert.deepEqual(select({ files: ['**/*.js'] }), ['dist/app.js', 'dist/sub/lib.js']);
  });

  it('lists dotfiles and dot folders only when a pattern names them', () => {
    assert.ok(!select({ files: ['dist/**'] }).some((p) => p.includes('/.')));
    assert.ok(!select({ files: ['**'] }).some((p) => p.startsWith('.') || p.includes('/.')));
    assert.deepEqual(select({ files: ['dist/.env'] }), ['dist/.env']);
    assert.deepEqual(select({ files: ['.env'] }), ['.env']);
    assert.deepEqual(select({ files: ['dist/.cache/*'] }), ['dist/.cache/state']);
    assert.deepEqual(select({ files: ['.github/**'] }), ['.github/workflows/ci.yml']);
  });

  it('exclude removes matches', () => {
    assert.deepEqual(select({ files: ['dist/**'], exclude: ['**/*.map'] }), ['dist/app.js', 'dist/sub/lib.js']);
    assert.deepEqual(select({ files: ['dist/**'], exclude: ['dist/sub/**'] }), ['dist/app.js', 'dist/app.js.map']);
  });

  it('accepts a leading ./ in patterns', () => {
    assert.deepEqual(select({ files: ['./dist/*.js'], exclude: ['./dist/app.js'] }), []);
    assert.deepEqual(select({ files: ['./dist/*.js'] }), ['dist/app.js']);
  });

  it('always signs the configuration and public keys, whatever the globs and exclude say', () => {
    assert.deepEqual(select({ files: ['dist/*.js'], always: ['.kmssigrc', 'keys/release.pem'] }), [
      '.kmssigrc',
      'dist/app.js',
      'keys/release.pem',
    ]);
    assert.deepEqual(select({ files: ['dist/*.js'], exclude: ['.kmssigrc', 'keys/**'], always: ['.kmssigrc', 'keys/release.pem'] }), [
      '.kmssigrc',
      'dist/app.js',
      'keys/release.pem',
    ]);
  });

  it('always signs the versioned hook folder, but never husky’s generated .husky/_/', () => {
    const picked = select({ files: ['dist/app.js'], alwaysPrefixes: ['.husky/', 'githooks/'] });
    assert.deepEqual(picked, ['.husky/post-merge', '.husky/pre-push', 'dist/app.js', 'githooks/pre-push']);
    assert.ok(!picked.some((p) => p.startsWith('.husky/_/')));
  });

  it('names no file twice and reads only what it is given', () => {
    assert.deepEqual(select({ files: ['dist/app.js', 'dist/*.js'], always: ['dist/app.js'] }), ['dist/app.js']);
    assert.deepEqual(select({ files: ['dist/**'], always: ['.kmssigrc'] }, ['dist/a']), ['dist/a']);
    assert.deepEqual(select({ files: ['dist/**'] }, []), []);
  });

  it('means the same files for the same paths, whatever order they come in (tree or working tree)', () => {
    const s: Partial<Selection> = { files: ['dist/**', '.env'], exclude: ['**/*.map'], always: ['.kmssigrc'], alwaysPrefixes: ['.husky/'] };
    assert.deepEqual(select(s, [...TREE].reverse()), select(s, TREE));
  });

  it('treats backslashes and spaces in names as ordinary characters', () => {
    assert.deepEqual(select({ files: ['dist/**'] }, ['dist/a b.txt', 'dist/a\\b.txt']), ['dist/a b.txt', 'dist/a\\b.txt']);
  });
});

describe('matchFiles: patterns that match nothing', () => {
  const match = (s: Partial<Selection>, paths: string[] = TREE) =>
    matchFiles(paths, { files: [], exclude: [], always: [], alwaysPrefixes: [], ...s });

  it('names each files pattern that matches no path, as written and in order', () => {
    assert.deepEqual(match({ files: ['dsit/**', 'dist/*.js', './relase/*'] }), {
      paths: ['dist/app.js'],
      empty: ['dsit/**', './relase/*'],
    });
    assert.deepEqual(match({ files: ['dist/**', 'src/*.ts'] }).empty, []);
  });

  it('does not count the always-signed paths for a pattern that does not name them', () => {
    // The configuration file is always listed: the old "nothing matched" guard could never fire.
    const m = match({ files: ['dsit/**'], always: ['.kmssigrc'], alwaysPrefixes: ['.husky/'] });
    assert.deepEqual(m.paths, ['.husky/post-merge', '.husky/pre-push', '.kmssigrc']);
    assert.deepEqual(m.empty, ['dsit/**']);
    assert.deepEqual(match({ files: ['.kmssigrc'], always: ['.kmssigrc'] }).empty, []);
  });

  it('counts a pattern whose every match is excluded as empty', () => {
    assert.deepEqual(match({ files: ['dist/*.map', 'dist/*.js'], exclude: ['**/*.map'] }).empty, ['dist/*.map']);
    assert.deepEqual(match({ files: ['dist/*.map'], exclude: ['**/*.map'], always: ['dist/app.js.map'] }).empty, ['dist/*.map']);
  });

  it('counts dotfiles only for a pattern that names them', () => {
    assert.deepEqual(match({ files: ['dist/.cache/**', 'dist/**'] }, ['dist/.cache/state']).empty, ['dist/**']);
    assert.deepEqual(match({ files: ['dist/*'] }, ['dist/.env']).empty, ['dist/*']);
  });

  it('leaves out the patterns of allowEmpty, and only those', () => {
    assert.deepEqual(match({ files: ['dsit/**', 'docs/*.pdf'], allowEmpty: ['docs/*.pdf'] }).empty, ['dsit/**']);
    assert.deepEqual(match({ files: ['docs/*.pdf'], allowEmpty: ['docs/**'] }).empty, ['docs/*.pdf']);
  });

  it('marks every pattern that matches, even when an earlier one already listed the path', () => {
    assert.deepEqual(match({ files: ['dist/**', 'dist/app.js', 'dist/app.js'] }).empty, []);
    assert.deepEqual(match({ files: ['dist/**'] }, []).empty, ['dist/**']);
  });

  it('picks the same paths as selectFiles', () => {
    const s: Partial<Selection> = {
      files: ['dist/**', '.env', 'nope/*'],
      exclude: ['**/*.map'],
      always: ['.kmssigrc'],
      alwaysPrefixes: ['.husky/'],
    };
    assert.deepEqual(match(s).paths, select(s));
  });
});
