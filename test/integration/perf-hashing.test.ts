import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { git, initRepo, tempDir } from '../helpers/git.js';
import * as sourceBlobs from '../../src/git/hashBlobs.js';
import * as sourceFiles from '../../src/fs/hashFiles.js';
import { Repo } from '../../src/git/repo.js';
import { runnerOf } from '../../src/git/runners.js';

// The parallel paths run worker threads, which node starts only from the
// built JavaScript (npm test builds first): the lanes are tested through dist/,
// the one-lane path (what runs from source) through src/.
const builtBlobs: typeof sourceBlobs = await import(new URL('../../dist/git/hashBlobs.js', import.meta.url).href);
const builtFiles: typeof sourceFiles = await import(new URL('../../dist/fs/hashFiles.js', import.meta.url).href);

const KiB = 1024;
const MiB = 1024 * KiB;
// Sizes around the pipe's 64 KiB reads and hashFiles' 1 MiB buffer, and empty files.
const SIZES = [0, 0, 1, 63, 64 * KiB - 1, 64 * KiB, 64 * KiB + 1, 200 * KiB, MiB - 1, MiB, MiB + 7, 3 * MiB + 1];

/** `sha512sum` of each file: the reference the fast paths must agree with. */
function sha512sum(dir: string, paths: string[]): Map<string, string> {
  const out = execFileSync('sha512sum', ['--', ...paths], { cwd: dir, encoding: 'utf8', maxBuffer: 64 * MiB });
  return new Map(
    out
      .trim()
      .split('\n')
      .map((line) => [line.slice(130), line.slice(0, 128)]),
  );
}

describe('parallel hashing gives the digests sha512sum gives', () => {
  let dir: { path: string; cleanup: () => void };
  let repo: Repo;
  let paths: string[];
  let expected: Map<string, string>;
  let oids: Map<string, string>; // path -> blob id

  before(async () => {
    dir = tempDir('kmssig-hashing-');
    initRepo(dir.path);
    paths = [];
    SIZES.forEach((size, i) => {
      const path = `dist/f${i}-${size}.bin`;
      mkdirSync(join(dir.path, 'dist'), { recursive: true });
      writeFileSync(join(dir.path, path), randomBytes(size));
      paths.push(path);
    });
    // The same content twice (one blob for two paths), and many small files.
    writeFileSync(join(dir.path, 'dist/copy.bin'), 'same\n');
    writeFileSync(join(dir.path, 'dist/copy2.bin'), 'same\n');
    paths.push('dist/copy.bin', 'dist/copy2.bin');
    for (let i = 0; i < 300; i++) {
      writeFileSync(join(dir.path, `dist/s${i}.txt`), randomBytes(i * 13));
      paths.push(`dist/s${i}.txt`);
    }
    git(dir.path, ['add', '-A']);
    git(dir.path, ['commit', '-q', '-m', 'files']);
    expected = sha512sum(dir.path, paths);
    repo = await Repo.open(dir.path);
    oids = new Map((await repo.listTree('HEAD')).map((e) => [e.path, e.oid]));
  });
  after(() => dir?.cleanup());

  const byPath = (digests: Map<string, string>, key: (path: string) => string) => new Map(paths.map((p) => [p, digests.get(key(p))]));

  for (const [label, lanes] of [
    ['one lane (from source)', 1],
    ['two lanes: this thread and a worker', 2],
    ['four lanes', 4],
  ] as const) {
    it(`git blobs, ${label}`, async () => {
      const impl = lanes === 1 ? sourceBlobs : builtBlobs;
      const digests = await impl.hashBlobs(runnerOf(repo), [...oids.values()], { lanes, minParallelBytes: 0 });
      assert.equal(digests.size, new Set(oids.values()).size);
      assert.deepEqual(
        byPath(digests, (p) => oids.get(p)!),
        expected,
      );
    });

    it(`working-tree files, ${label}`, async () => {
      const impl = lanes === 1 ? sourceFiles : builtFiles;
      const files = paths.map((p) => ({ path: join(dir.path, p), size: SIZES[Number(/^dist\/f(\d+)-/.exec(p)?.[1] ?? -1)] ?? 100 }));
      const digests = await impl.hashFiles(files, { lanes, minParallelBytes: 0 });
      assert.deepEqual(
        byPath(digests, (p) => join(dir.path, p)),
        expected,
      );
    });
  }

  it('the default settings (one lane below the size threshold) agree too', async () => {
    assert.deepEqual(
      byPath(await builtBlobs.hashBlobs(runnerOf(repo), oids.values()), (p) => oids.get(p)!),
      expected,
    );
    const files = paths.map((p) => ({ path: join(dir.path, p), size: 1 }));
    assert.deepEqual(
      byPath(await builtFiles.hashFiles(files), (p) => join(dir.path, p)),
      expected,
    );
  });

  it('a file that cannot be read is named, whichever lane read it', async () => {
    const unreadable = join(dir.path, 'dist'); // a folder: EISDIR
    const file = join(dir.path, paths[0]!);
    // Longest first: the unreadable one goes to the worker's lane, then to this thread's.
    for (const files of [
      [
        { path: file, size: 10 },
        { path: unreadable, size: 1 },
      ],
      [
        { path: unreadable, size: 10 },
        { path: file, size: 1 },
      ],
    ]) {
      for (const impl of [sourceFiles, builtFiles]) {
        await assert.rejects(impl.hashFiles(files, { lanes: 2, minParallelBytes: 0 }), (error: Error & { file?: string }) => {
          assert.equal(error.name, 'HashFileError');
          assert.equal(error.file, unreadable);
          assert.match(error.message, /EISDIR/);
          return true;
        });
      }
    }
  });

  it('an object that is not a blob, or is missing, fails as a git error in every lane', async () => {
    const tree = git(dir.path, ['rev-parse', 'HEAD^{tree}']).trim();
    const missing = 'f'.repeat(40);
    for (const bad of [tree, missing]) {
      for (const lanes of [1, 2]) {
        const impl = lanes === 1 ? sourceBlobs : builtBlobs;
        await assert.rejects(
          impl.hashBlobs(runnerOf(repo), [...oids.values(), bad], { lanes, minParallelBytes: 0 }),
          (error: Error & { code?: string }) => {
            assert.equal(error.code, 'GIT', `${lanes} lane(s), ${bad === tree ? 'a tree' : 'a missing object'}: ${error.message}`);
            return true;
          },
        );
      }
    }
  });

  it('splits the work by size so that the lanes finish close together', () => {
    const sizes = new Map([
      ['a', 100],
      ['b', 60],
      ['c', 50],
      ['d', 0],
      ['e', 0],
    ]);
    const parts = sourceBlobs.splitBySize([...sizes.keys()], sizes, 2);
    assert.equal(parts.length, 2);
    assert.deepEqual(parts.flat().sort(), ['a', 'b', 'c', 'd', 'e']);
    const bytes = parts.map((part) => part.reduce((sum, oid) => sum + sizes.get(oid)!, 0));
    assert.deepEqual(
      bytes.sort((x, y) => x - y),
      [100, 110],
    );
  });
});
