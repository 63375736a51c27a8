import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { KmssigError } from '../../src/errors.js';
import { createGitRunner } from '../../src/git/exec.js';
import { Repo } from '../../src/git/repo.js';
import { runnerOf } from '../../src/git/runners.js';
import { commitFiles, git, gitEnv, initRepo, tempDir } from '../helpers/git.js';

const env = { ...process.env, ...gitEnv() };

/** A history of `count` commits on main, built with git fast-import (one file changing). */
function buildHistory(repo: string, count: number): void {
  let stream = '';
  for (let i = 1; i <= count; i++) {
    const text = `v${i}\n`;
    stream += `commit refs/heads/main\nmark :${i}\ncommitter T <t@example.com> ${1_700_000_000 + i} +0000\ndata 2\nc\n`;
    if (i > 1) stream += `from :${i - 1}\n`;
    stream += `M 100644 inline f.txt\ndata ${text.length}\n${text}\n`;
  }
  execFileSync('git', ['fast-import', '--quiet'], { cwd: repo, env, input: stream });
  git(repo, ['reset', '-q', '--hard', 'main']);
}

describe('the git runner: simple-git and the fast path give the same bytes, codes and errors', () => {
  const dir = tempDir();
  let repo: string;
  before(() => {
    repo = initRepo(join(dir.path, 'r'));
    commitFiles(repo, { 'a.txt': 'a\n' }, 'one');
  });
  after(() => dir.cleanup());

  it('the reflog subject read from logs/HEAD is the one git prints, also without a reflog', async () => {
    const r = await Repo.open(repo, env);
    const gits = () => git(repo, ['reflog', '-1', '--format=%gs', 'HEAD']).trim();
    assert.equal(await r.lastReflogSubject(), gits());
    git(repo, ['checkout', '-q', '-b', 'side']);
    commitFiles(repo, { 'side.txt': 'x\n' }, 'side: a subject with\ttab and ünïcode');
    git(repo, ['checkout', '-q', '-']);
    git(repo, ['merge', '-q', '--no-ff', '-m', 'merge side', 'side']);
    assert.equal(await r.lastReflogSubject(), gits());
    assert.match(await r.lastReflogSubject(), /^merge side/);
    // A subject longer than the part of the file that is read: git is asked.
    commitFiles(repo, { 'long.txt': 'x\n' }, `long ${'y'.repeat(5000)}`);
    assert.equal(await r.lastReflogSubject(), gits());
    const bare = initRepo(join(dir.path, 'no-reflog'));
    git(bare, ['config', 'core.logAllRefUpdates', 'false']);
    commitFiles(bare, { 'a.txt': 'a\n' }, 'one');
    assert.equal(await (await Repo.open(bare, env)).lastReflogSubject(), '');
  });

  it('a finished local git call leaves no timer behind, so a run ends with its last git process', async () => {
    const runner = createGitRunner(repo, env);
    const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const before = timers();
    await runner.text(['rev-parse', 'HEAD']);
    await runner.maybe(['rev-parse', '--verify', '--quiet', 'no-such-ref']);
    await runner.bytes(['hash-object', '--stdin'], 'x\n');
    assert.equal(timers(), before, 'simple-git keeps a 50 ms timer after each process unless the call ends at its close');
  });

  for (const fastPath of [false, true]) {
    const label = fastPath ? 'fast path' : 'simple-git';
    it(`${label}: bytes() returns git's output byte for byte, also a name that is not UTF-8`, async () => {
      // A name with the single byte \xe9, written by git itself from a raw index entry.
      const blob = execFileSync('git', ['hash-object', '-w', '--stdin'], { cwd: repo, env, input: 'raw\n' }).toString().trim();
      execFileSync('git', ['update-index', '--add', '--index-info'], {
        cwd: repo,
        env,
        input: Buffer.concat([Buffer.from(`100644 ${blob}\t`), Buffer.from([0x6e, 0xe9]), Buffer.from('\n')]),
      });
      const runner = createGitRunner(repo, env, { fastPath });
      const out = await runner.bytes(['ls-files', '-z']);
      const expected = execFileSync('git', ['ls-files', '-z'], { cwd: repo, env });
      assert.deepEqual(out, expected);
      assert.ok(out.includes(Buffer.from([0x6e, 0xe9, 0x00])), 'the raw byte \\xe9 is kept');
    });

    it(`${label}: standard input reaches git; a silent command succeeds; text, maybe and run report failures`, async () => {
      const runner = createGitRunner(repo, env, { fastPath });
      const oid = (await runner.bytes(['hash-object', '--stdin'], 'hello\n')).toString().trim();
      assert.equal(oid, execFileSync('git', ['hash-object', '--stdin'], { cwd: repo, env, input: 'hello\n' }).toString().trim());
      assert.equal(await runner.text(['update-ref', 'refs/test/x', 'HEAD']), '');
      assert.equal((await runner.text(['rev-parse', 'refs/test/x'])).trim(), git(repo, ['rev-parse', 'HEAD']).trim());
      assert.equal(await runner.maybe(['rev-parse', '--verify', '--quiet', 'refs/test/none']), undefined);
      await assert.rejects(runner.text(['rev-parse', '--verify', 'refs/test/none']), (e: unknown) => {
        assert.ok(e instanceof KmssigError);
        assert.equal(e.code, 'GIT');
        assert.match(e.message, /git rev-parse --verify refs\/test\/none failed: fatal: Needed a single revision/);
        return true;
      });
      const r = await runner.run(['cat-file', '-e', 'refs/test/none']);
      assert.notEqual(r.code, 0);
      assert.match(r.output, /Not a valid object name|fatal/);
    });
  }

  it('simple-git: a blob of 5 MiB comes back whole through bytes()', async () => {
    const big = Buffer.alloc(5 * 1024 * 1024, 'ab\x00\xff');
    writeFileSync(join(repo, 'big.bin'), big);
    const oid = git(repo, ['hash-object', '-w', 'big.bin']).trim();
    const out = await createGitRunner(repo, env).bytes(['cat-file', 'blob', oid]);
    assert.equal(out.length, big.length);
    assert.ok(out.equals(readFileSync(join(repo, 'big.bin'))));
  });

  it('the environment given to the runner reaches git, with the settings kmssig adds', async () => {
    const runner = createGitRunner(repo, {
      ...env,
      GIT_CONFIG_COUNT: '1',
      GIT_CONFIG_KEY_0: 'credential.helper',
      GIT_CONFIG_VALUE_0: 'store',
    });
    assert.equal((await runner.text(['config', '--get', 'credential.helper'])).trim(), 'store');
    assert.equal((await runner.text(['var', 'GIT_PAGER'])).trim(), 'cat');
  });
});

describe('Repo.history: rev-list --parents, streamed and stoppable', () => {
  const dir = tempDir();
  let repo: string;
  const COMMITS = 20_000;
  before(() => {
    repo = initRepo(join(dir.path, 'h'));
    buildHistory(repo, COMMITS);
  });
  after(() => dir.cleanup());

  it('lists every commit with its parents, as git rev-list --parents does', async () => {
    const r = await Repo.open(repo, env);
    const seen: string[] = [];
    for await (const entry of r.history(['main~5', '--max-count=50'])) seen.push([entry.commit, ...entry.parents].join(' '));
    assert.deepEqual(seen, git(repo, ['rev-list', '--parents', '--max-count=50', 'main~5']).trim().split('\n'));
    const all = [];
    for await (const entry of r.history(['main'])) all.push(entry);
    assert.equal(all.length, COMMITS);
    assert.deepEqual(all.at(-1)!.parents, [], 'the root commit has no parent');
    assert.equal(all.filter((e) => e.boundary).length, 0);
  });

  it('marks --boundary commits', async () => {
    const r = await Repo.open(repo, env);
    const entries = [];
    for await (const entry of r.history(['--boundary', 'main', '--not', 'main~3'])) entries.push(entry);
    assert.deepEqual(
      entries.map((e) => e.boundary),
      [false, false, false, true],
    );
    assert.equal(entries[3]!.commit, git(repo, ['rev-parse', 'main~3']).trim());
  });

  it('leaving the loop early ends the git process instead of waiting for the whole history', async () => {
    const traceFile = join(dir.path, 'trace.json');
    const r = await Repo.open(repo, { ...env, GIT_TRACE2_EVENT: traceFile });
    let taken = 0;
    for await (const entry of r.history(['main'])) {
      assert.match(entry.commit, /^[0-9a-f]{40}$/);
      // Meanwhile git writes on: kmssig stops reading once enough lines wait, so git cannot finish.
      await runnerOf(r).text(['rev-parse', 'HEAD']);
      if (++taken === 3) break;
    }
    const events = readFileSync(traceFile, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { event: string; sid: string; argv?: string[]; code?: number });
    const revList = events.find((e) => e.event === 'start' && e.argv?.[1] === 'rev-list');
    assert.ok(revList, 'git rev-list ran (and wrote its trace)');
    // A git that ran to its end writes an exit event with code 0; a killed one does not.
    const exits = events.filter((e) => e.sid === revList.sid && e.event === 'exit');
    assert.deepEqual(
      exits.filter((e) => e.code === 0),
      [],
      'rev-list was stopped, not run to its end',
    );
    // And it is gone: the next git call works (nothing holds the repository).
    assert.equal((await runnerOf(r).text(['rev-parse', 'main~1'])).trim(), git(repo, ['rev-parse', 'main~1']).trim());
  });

  it('a revision that does not exist: GIT error, naming git', async () => {
    const r = await Repo.open(repo, env);
    await assert.rejects(
      (async () => {
        for await (const _ of r.history(['no-such-branch'])) assert.fail('no line expected');
      })(),
      (e: unknown) => e instanceof KmssigError && e.code === 'GIT' && /git rev-list --parents no-such-branch failed/.test(e.message),
    );
  });
});

describe('the verbs of content provenance (issue 23) against real git', () => {
  const dir = tempDir();
  after(() => dir.cleanup());
  const rev = (repo: string, name: string) => git(repo, ['rev-parse', name]).trim();

  it('blobIntroductions: a root adds what it has, a merge of a side adds nothing new, an evil merge adds against both parents; it stops at exclude', async () => {
    const repo = initRepo(join(dir.path, 'intro'));
    // A user's settings must not change the answer: no root diffs, merges against the first parent only.
    git(repo, ['config', 'log.showRoot', 'false']);
    git(repo, ['config', 'log.diffMerges', 'first-parent']);
    const root = commitFiles(repo, { 'dist/a.txt': 'a\n' }, 'root');
    git(repo, ['checkout', '-q', '-b', 'side']);
    const side = commitFiles(repo, { 'dist/s.txt': 'side\n' }, 'side');
    git(repo, ['checkout', '-q', 'main']);
    commitFiles(repo, { 'other.txt': 'o\n' }, 'main moves on');
    git(repo, ['merge', '-q', '--no-ff', '--no-commit', 'side']);
    commitFiles(repo, { 'dist/evil.txt': 'evil\n' }, 'evil merge');
    const merge = rev(repo, 'HEAD');
    const [a, s, evil] = ['HEAD:dist/a.txt', 'HEAD:dist/s.txt', 'HEAD:dist/evil.txt'].map((r) => rev(repo, r));
    const r = await Repo.open(repo, env);
    const found = await r.blobIntroductions([a!, s!, evil!], [merge], []);
    const seen = found.map((d) => [
      d.commit,
      d.parents.length,
      d.added.map((x) => `${x.blob === evil ? 'evil' : x.blob === s ? 's' : 'a'} ${x.path.toString()}`),
    ]);
    assert.deepEqual(
      seen.filter(([c]) => c === merge),
      [
        // Against main: the side's file and the evil one; against the side: only the evil one.
        [merge, 2, ['evil dist/evil.txt', 's dist/s.txt']],
        [merge, 2, ['evil dist/evil.txt']],
      ],
    );
    assert.deepEqual(
      seen.filter(([c]) => c === side),
      [[side, 1, ['s dist/s.txt']]],
    );
    assert.deepEqual(
      seen.filter(([c]) => c === root),
      [[root, 0, ['a dist/a.txt']]],
    );
    // Down to an excluded commit and no further (the root is below the side branch); a tip that does not exist is ignored.
    const above = await r.blobIntroductions([a!, s!], ['d'.repeat(40), merge], [side]);
    assert.deepEqual(
      above.map((d) => d.commit),
      [merge],
    );
  });

  it("reflogEntries names each ref; pseudoRefCommits reads FETCH_HEAD of every worktree; staged and worktree blobs are git's", async () => {
    const remote = initRepo(join(dir.path, 'remote'));
    const first = commitFiles(remote, { 'dist/a.txt': 'a\n' }, 'one');
    git(remote, ['update-ref', 'refs/pull/8/head', commitFiles(remote, { 'dist/a.txt': 'pr\n' }, 'pr')]);
    git(remote, ['reset', '-q', '--hard', first]);
    const repo = join(dir.path, 'clone');
    git(dir.path, ['clone', '-q', remote, repo]);
    git(repo, ['fetch', '-q', 'origin', 'pull/8/head']);
    const linked = join(dir.path, 'linked');
    git(repo, ['worktree', 'add', '-q', '-b', 'other', linked]);
    git(linked, ['fetch', '-q', 'origin', 'main']);
    writeFileSync(join(repo, 'dist/a.txt'), 'stashed\n');
    git(repo, ['stash', '-q']);
    const r = await Repo.open(repo, env);
    const refs = new Set((await r.reflogEntries()).map((e) => e.ref));
    for (const ref of ['HEAD', 'refs/heads/main', 'refs/stash', 'refs/heads/other'])
      assert.ok(refs.has(ref), `${ref} in ${[...refs].join(', ')}`);
    const pseudo = await r.pseudoRefCommits();
    assert.ok(pseudo.includes(rev(remote, 'refs/pull/8/head')), 'the pull request in FETCH_HEAD');
    assert.ok(pseudo.includes(first), "the linked worktree's FETCH_HEAD");
    // The index and the working tree, as git add would store them; a deleted file has no working-tree blob.
    writeFileSync(join(repo, 'dist/a.txt'), 'edited\n');
    git(repo, ['add', 'dist/a.txt']);
    writeFileSync(join(repo, 'dist/a.txt'), 'edited again\n');
    writeFileSync(join(repo, 'dist/new.txt'), 'new\n');
    const staged = await r.stagedBlobs(['dist/a.txt', 'dist/new.txt']);
    assert.deepEqual([...staged], [['dist/a.txt', [git(repo, ['rev-parse', ':dist/a.txt']).trim()]]]);
    const disk = await r.worktreeBlobs(['dist/a.txt', 'dist/new.txt', 'dist/gone.txt']);
    assert.deepEqual(
      [...disk],
      [
        ['dist/a.txt', git(repo, ['hash-object', 'dist/a.txt']).trim()],
        ['dist/new.txt', git(repo, ['hash-object', 'dist/new.txt']).trim()],
      ],
    );
  });
});
