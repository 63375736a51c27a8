import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { commitFiles, git, gitEnv } from '../helpers/git.js';
import { createKey } from '../helpers/kms.js';
import { startKmsProxy, type KmsProxy } from '../helpers/proxy.js';
import { CONFIG, both, head, noteLines, setNote, short, startRecordsWorld, writeFile, type RecordsWorld } from '../helpers/records.js';

// What the fast paths of issue 7 skip must never change a verdict: the digest
// cache (blob id -> SHA-512), the cache of verified records, a sign that finds
// the commit already signed, notes read in growing batches, and files hashed
// on several threads. Counts (KMS calls, git processes) are asserted, never times.

const RELEASE = { 'dist/a.bin': 'a\n', 'dist/b.bin': 'b\n', 'dist/c.bin': 'c\n', 'README.md': 'not listed\n' };

describe('fast paths keep their verdicts (moto, real repositories)', () => {
  let world: RecordsWorld;
  let proxy: KmsProxy;
  before(async () => {
    world = await startRecordsWorld();
    proxy = await startKmsProxy(world.moto.endpoint);
  });
  after(async () => {
    await proxy?.close();
    await world?.cleanup();
  });

  /** kmssig through the counting proxy. */
  // These tests are about the caches: check uses them only when asked (--cache), the hooks always.
  const counted = (cwd: string, args: string[], env: NodeJS.ProcessEnv = {}) =>
    world.kmssig(cwd, args[0] === 'check' && !args.includes('--no-cache') ? [...args, '--cache'] : args, {
      AWS_ENDPOINT_URL_KMS: proxy.endpoint,
      ...env,
    });
  const calls = () => Object.fromEntries([...proxy.calls].filter(([, n]) => n > 0));
  const digestsFile = (repo: string) => join(repo, '.git', 'kmssig', 'digests');

  it('a cached verdict still fails when a listed file changes, on disk or in a commit', async () => {
    const repo = world.repo({ files: RELEASE });
    assert.equal((await counted(repo, ['sign'])).code, 0);
    const signed = head(repo);
    const first = await counted(repo, ['check']);
    assert.equal(first.code, 0, both(first));
    assert.ok(existsSync(digestsFile(repo)), 'the digest cache was filled');

    proxy.reset();
    const cached = await counted(repo, ['check']);
    assert.equal(cached.code, 0, both(cached));
    assert.deepEqual(calls(), {}, 'a verified record is not sent to KMS again');

    writeFile(repo, 'dist/b.bin', 'edited on disk\n');
    const onDisk = await counted(repo, ['check', '--worktree']);
    assert.equal(onDisk.code, 1, both(onDisk));
    assert.match(onDisk.stdout, new RegExp(`dist/b\\.bin\\s+modified since ${short(signed)}`));

    commitFiles(repo, {}, 'commit the edit');
    const committed = await counted(repo, ['check']);
    assert.equal(committed.code, 1, both(committed));
    assert.match(committed.stdout, new RegExp(`dist/b\\.bin\\s+modified since ${short(signed)}`));
    assert.match(committed.stdout, /dist\/a\.bin\s+ok/);
  });

  it('a cached verdict still fails when the note changes or the configuration changes', async () => {
    const repo = world.repo({ files: RELEASE });
    assert.equal((await counted(repo, ['sign'])).code, 0);
    assert.equal((await counted(repo, ['check'])).code, 0);
    const [line] = noteLines(repo);
    const record = JSON.parse(line!);

    // The same signature over other digests: the cached line no longer matches, KMS says no.
    const tampered = { ...record, files: { ...record.files, 'dist/a.bin': { mode: '100644', sha512: 'f'.repeat(128) } } };
    setNote(repo, 'HEAD', [JSON.stringify(tampered)]);
    proxy.reset();
    const forged = await counted(repo, ['check']);
    assert.equal(forged.code, 1, both(forged));
    assert.equal(calls().Decrypt, 1, 'the changed record was verified anew');

    // The note removed: nothing signed any more.
    git(repo, ['notes', '--ref=kmssig', 'remove', 'HEAD']);
    assert.equal((await counted(repo, ['check'])).code, 1);

    // The genuine note back: passes from the caches; then an unsigned configuration change fails.
    setNote(repo, 'HEAD', [line!]);
    assert.equal((await counted(repo, ['check'])).code, 0);
    commitFiles(repo, { '.kmssigrc': JSON.stringify({ ...CONFIG, files: ['dist/a.bin'] }, null, 2) + '\n' }, 'narrow the list, unsigned');
    const config = await counted(repo, ['check']);
    assert.equal(config.code, 1, both(config));
    assert.match(config.stdout, /\.kmssigrc\s+modified since/);
  });

  it('--no-cache reads no cache and writes none', async () => {
    const repo = world.repo({ files: RELEASE });
    assert.equal((await counted(repo, ['sign'])).code, 0);
    assert.equal((await counted(repo, ['check'])).code, 0); // caches filled
    proxy.reset();
    const r = await counted(repo, ['check', '--no-cache']);
    assert.equal(r.code, 0, both(r));
    assert.equal(calls().Decrypt, 1, 'the verified-record cache was not read');

    const fresh = world.repo({ files: RELEASE });
    assert.equal((await counted(fresh, ['check', '--no-cache'])).code, 1, 'never signed');
    assert.ok(!existsSync(digestsFile(fresh)), '--no-cache wrote no digest cache');
  });

  it('sign finds a commit already signed with no KMS call, and signs again when the record does not hold', async () => {
    const repo = world.repo({ files: RELEASE });
    proxy.reset();
    const signed = await counted(repo, ['sign']);
    assert.equal(signed.code, 0, both(signed));
    assert.deepEqual(calls(), { DescribeKey: 1, Encrypt: 1 });

    // KMS named the key that encrypted: the record this clone just made is known genuine.
    proxy.reset();
    const check = await counted(repo, ['check']);
    assert.equal(check.code, 0, both(check));
    assert.deepEqual(calls(), {}, 'no Decrypt for the record this clone signed');

    proxy.reset();
    const again = await counted(repo, ['sign']);
    assert.equal(again.code, 0, both(again));
    assert.match(again.stdout, /already signed/);
    assert.deepEqual(calls(), {}, 'neither DescribeKey nor Encrypt nor Decrypt');
    assert.equal(noteLines(repo).length, 1);

    // Another ref: another record (the context differs).
    proxy.reset();
    const tag = await counted(repo, ['sign', '--ref', 'refs/tags/v1']);
    assert.equal(tag.code, 0, both(tag));
    assert.deepEqual(calls(), { DescribeKey: 1, Encrypt: 1 });
    assert.equal(noteLines(repo).length, 2);

    // The record no longer verifies (its signature broken): signed anew.
    const broken = noteLines(repo).map((l) => {
      const r = JSON.parse(l);
      return JSON.stringify({ ...r, sig: Buffer.from('not a kms ciphertext').toString('base64') });
    });
    setNote(repo, 'HEAD', broken);
    proxy.reset();
    const resigned = await counted(repo, ['sign']);
    assert.equal(resigned.code, 0, both(resigned));
    assert.match(resigned.stdout, /^signed /m);
    assert.equal(calls().Encrypt, 1);
    assert.equal((await counted(repo, ['check'])).code, 0);
  });

  it('sign does not take a record of another key for the configured key ARN as already signed', async () => {
    const other = await createKey(world.moto.endpoint);
    const repo = world.repo({ config: { ...CONFIG, keyId: world.keyArn }, files: RELEASE });
    assert.equal((await counted(repo, ['sign'])).code, 0);
    commitFiles(repo, { '.kmssigrc': JSON.stringify({ ...CONFIG, keyId: other }, null, 2) + '\n' }, 'rotate');
    git(repo, ['notes', '--ref=kmssig', 'copy', '-f', 'HEAD~1', 'HEAD']); // a record of the old key, for another commit: does not count
    proxy.reset();
    const r = await counted(repo, ['sign']);
    assert.equal(r.code, 0, both(r));
    assert.deepEqual(calls(), { DescribeKey: 1, Encrypt: 1 });
    assert.ok(
      noteLines(repo).some((l) => JSON.parse(l).keyId === other),
      'signed with the configured key',
    );
  });

  it('finds a signed commit behind hundreds of records that do not count, with a handful of git processes', async () => {
    const repo = world.repo({ files: RELEASE });
    assert.equal((await counted(repo, ['sign'])).code, 0);
    assert.equal((await counted(repo, ['check'])).code, 0); // the record verified once, and cached
    const signed = head(repo);
    const [line] = noteLines(repo);
    // 300 commits on top, each carrying a copy of the signed record: refused by policy (another commit), never sent to KMS.
    const stream: string[] = [];
    for (let i = 0; i < 300; i++) {
      const text = `${i}\n`;
      stream.push(
        `commit refs/heads/main\ncommitter T <t@example.com> ${1_700_000_000 + i} +0000\ndata 1\nc\n${i === 0 ? `from ${signed}\n` : ''}M 100644 inline src/n.txt\ndata ${text.length}\n${text}\n`,
      );
    }
    fastImport(repo, stream.join(''));
    git(repo, ['reset', '-q', '--hard', 'main']);
    const commits = git(repo, ['rev-list', `${signed}..main`])
      .trim()
      .split('\n');
    assert.equal(commits.length, 300);
    let notes = `commit refs/notes/kmssig\ncommitter T <t@example.com> 1700000000 +0000\ndata 1\nn\nfrom refs/notes/kmssig^0\n`;
    for (const c of commits) notes += `N inline ${c}\ndata ${Buffer.byteLength(line!) + 1}\n${line}\n\n`;
    fastImport(repo, notes);

    const shim = join(world.dir(), 'shim');
    mkdirSync(shim);
    const log = join(shim, 'calls.log');
    const real = execFileSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).trim();
    writeFileSync(join(shim, 'git'), `#!/bin/sh\nprintf '%s\\n' "$*" >> '${log}'\nexec '${real}' "$@"\n`);
    chmodSync(join(shim, 'git'), 0o755);

    proxy.reset();
    const r = await counted(repo, ['check', '--no-fetch', '--format', 'json'], { PATH: `${shim}:${process.env.PATH}` });
    assert.equal(r.code, 0, both(r));
    const report = JSON.parse(r.stdout);
    assert.equal(report.result, 'pass');
    assert.equal(report.signed.commit, signed);
    assert.ok(report.rejected.length >= 300, `the records that did not count are reported (${report.rejected.length})`);
    assert.deepEqual(calls(), {}, 'refused by policy before any KMS call; the signed record was verified before');
    const gitCalls = readFileSync(log, 'utf8').trim().split('\n');
    const catFile = gitCalls.filter((c) => c.startsWith('cat-file')).length;
    assert.ok(catFile <= 6, `notes are read in a few batches, not per commit: ${catFile} cat-file processes`);
    assert.ok(gitCalls.length <= 15, `git processes of one check: ${gitCalls.length}\n${gitCalls.join('\n')}`);
  });

  it('check --worktree on files large enough for the parallel path names exactly the changed ones', async () => {
    const big = (seed: number) => Buffer.alloc(33 * 1024 * 1024, seed); // 2 × 33 MiB: over the 64 MiB threshold
    const repo = world.repo({ files: { 'dist/small.txt': 'small\n' } });
    writeFileSync(join(repo, 'dist/big1.bin'), big(1));
    writeFileSync(join(repo, 'dist/big2.bin'), big(2));
    commitFiles(repo, { 'dist/empty.bin': '' }, 'big files');
    assert.equal((await counted(repo, ['sign'])).code, 0);
    const signed = head(repo);
    const ok = await counted(repo, ['check', '--worktree']);
    assert.equal(ok.code, 0, both(ok));
    const tree = await counted(repo, ['check', '--no-cache']);
    assert.equal(tree.code, 0, both(tree));

    const changed = big(2);
    changed[changed.length - 1] = 7; // the last byte of the second file
    writeFileSync(join(repo, 'dist/big2.bin'), changed);
    const bad = await counted(repo, ['check', '--worktree']);
    assert.equal(bad.code, 1, both(bad));
    assert.match(bad.stdout, new RegExp(`dist/big2\\.bin\\s+modified since ${short(signed)}`));
    assert.match(bad.stdout, /dist\/big1\.bin\s+ok/);
    assert.match(bad.stdout, /dist\/empty\.bin\s+ok/);
  });
});

function fastImport(repo: string, stream: string): void {
  execFileSync('git', ['fast-import', '--quiet'], {
    cwd: repo,
    input: stream,
    env: { ...process.env, ...gitEnv() },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
}
