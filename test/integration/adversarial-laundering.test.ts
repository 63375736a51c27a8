import assert from 'node:assert/strict';
import { appendFileSync, chmodSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { both, CONFIG, useHookWorlds, type HookWorld } from '../helpers/hookWorld.js';

/**
 * Issue 12, DESIGN 3.1: a push never signs foreign content that nobody
 * verified. The contributor `x` pushes unsigned release files (to a fork, a
 * pull-request ref, or the remote itself, with --no-verify); the developer
 * `b` brings them in every way git allows, and `b`'s push is blocked, naming
 * the file and the foreign commit, until `b` signs them deliberately. And an
 * honest developer's everyday pushes sign without a block or a warning.
 */
describe('adversarial: no laundering (pre-push never signs what nobody verified)', () => {
  const { world } = useHookWorlds();
  const a = (w: HookWorld) => join(w.root, 'a');
  const head = async (w: HookWorld, cwd: string) => (await w.gitOk(cwd, ['rev-parse', 'HEAD'])).trim();
  const strict = (w: HookWorld, cwd: string, rev = 'HEAD') =>
    w.kmssig(cwd, ['check', '--rev', rev, '--key', w.keyArn, '--context', 'repo=acme/app']);

  /** The contributor's clone: no hooks, no signing rights; its unsigned change goes to `target` (default: main of origin). */
  async function contribute(w: HookWorld, files: Record<string, string>, target = 'main', remote = 'origin'): Promise<string> {
    const x = join(w.root, 'x');
    if (!(await w.git(w.root, ['-C', x, 'rev-parse'])).code) await w.gitOk(x, ['fetch', '-q', 'origin']);
    else await w.clone('x', { hooks: false });
    await w.gitOk(x, ['checkout', '-q', '-B', 'work', 'origin/main']);
    const commit = await w.commit(x, files, 'contribution');
    await w.gitOk(x, ['push', '-q', '--no-verify', '--force', remote, `HEAD:${target}`]);
    return commit;
  }

  /** Asserts a push from `cwd` is blocked for `path`, names `foreign`, and leaves no record behind. */
  async function assertBlocked(w: HookWorld, cwd: string, path: string, foreign: string, args = ['push', 'origin', 'HEAD']) {
    const tip = await head(w, cwd);
    const push = await w.git(cwd, args);
    assert.notEqual(push.code, 0, both(push));
    assert.match(push.stderr, new RegExp(`release file\\(s\\) of ${tip.slice(0, 12)} came from outside this clone`));
    assert.match(
      push.stderr,
      new RegExp(`${path.replace(/[./]/g, '\\$&')}: last changed by ${foreign.slice(0, 12)}, which this clone did not make`),
    );
    assert.match(push.stderr, /kmssig sign --rev [0-9a-f]{12} --ref \S+ --accept /);
    assert.deepEqual(await w.remoteRecords(tip), [], 'the foreign content got a record');
    return push;
  }

  /** The deliberate way: `kmssig sign --accept`, then the push goes through and CI passes. */
  async function acceptAndPush(w: HookWorld, cwd: string, path: string, branch = 'main') {
    const sign = await w.kmssig(cwd, ['sign', '--ref', branch, '--accept', path]);
    assert.equal(sign.code, 0, both(sign));
    assert.match(sign.stderr, new RegExp(`signing ${path.replace(/[./]/g, '\\$&')} as reviewed by you`));
    const push = await w.git(cwd, ['push', '-q', 'origin', `HEAD:${branch}`]);
    assert.equal(push.code, 0, both(push));
    const check = await strict(w, cwd);
    assert.equal(check.code, 0, both(check));
  }

  it('git pull --rebase <url> with local commits: the contribution is not "local", and the push is blocked', async () => {
    const w = await world();
    const b = await w.clone('b');
    const fork = join(w.root, 'fork.git');
    await w.gitOk(w.root, ['clone', '-q', '--bare', w.bare, fork]);
    const x = await w.clone('x', { hooks: false });
    await w.gitOk(x, ['remote', 'add', 'fork', fork]);
    const foreign = await w.commit(x, { 'dist/app.txt': 'contributed, unsigned\n' }, 'contribution');
    await w.gitOk(x, ['push', '-q', '--no-verify', 'fork', 'HEAD:main']);

    await w.commit(b, { 'docs/notes.md': 'my own work\n' }, 'own work');
    const pull = await w.git(b, ['pull', '--rebase', fork, 'main']);
    assert.doesNotMatch(pull.stderr, /dist\/app\.txt: local, will be signed on push/);
    assert.match(pull.stderr, /RELEASE FILES FAILED VERIFICATION/);
    await assertBlocked(w, b, 'dist/app.txt', foreign, ['push', 'origin', 'main']);
    await acceptAndPush(w, b, 'dist/app.txt');
    // The contribution's own commit, older in the push, stays unsigned: only what the developer accepted is.
    assert.deepEqual(await w.remoteRecords(foreign), []);
  });

  it('a pull request reviewed through FETCH_HEAD is foreign: checkout fails, a push of it is blocked', async () => {
    const w = await world();
    const b = await w.clone('b');
    const foreign = await contribute(w, { 'dist/app.txt': 'pull request, unsigned\n' }, 'refs/pull/7/head');
    await w.gitOk(b, ['fetch', '-q', 'origin', 'pull/7/head']);
    const checkout = await w.git(b, ['checkout', '-q', 'FETCH_HEAD']);
    assert.match(checkout.stderr, /RELEASE FILES FAILED VERIFICATION/);
    assert.doesNotMatch(checkout.stderr, /local, will be signed on push/);
    await w.git(b, ['checkout', '-q', '-b', 'review']);
    await assertBlocked(w, b, 'dist/app.txt', foreign, ['push', 'origin', 'review']);
    await acceptAndPush(w, b, 'dist/app.txt', 'review');
  });

  it('a pull that stops on a conflict (post-merge never runs): the resolved merge is not pushed signed', async () => {
    const w = await world();
    const b = await w.clone('b');
    const foreign = await contribute(w, { 'dist/app.txt': 'unsigned\n', 'dist/other.txt': 'also unsigned\n' });
    await w.commit(b, { 'dist/app.txt': 'my own version\n' }, 'own change');
    const pull = await w.git(b, ['pull', '--no-rebase', 'origin', 'main']);
    assert.notEqual(pull.code, 0, 'the pull was expected to stop on a conflict');
    // The developer takes their own side of the conflict; the contributor's other file comes in as it is.
    await w.gitOk(b, ['checkout', '--ours', 'dist/app.txt']);
    await w.gitOk(b, ['add', 'dist/app.txt']);
    await w.gitOk(b, ['commit', '-q', '--no-edit']);
    await assertBlocked(w, b, 'dist/other.txt', foreign, ['push', 'origin', 'main']);
  });

  it('after a clean pull that showed the banner, the next push is blocked, not signed over', async () => {
    const w = await world();
    const b = await w.clone('b');
    const foreign = await contribute(w, { 'dist/app.txt': 'unsigned\n' });
    const pull = await w.git(b, ['pull']);
    assert.match(pull.stderr, /RELEASE FILES FAILED VERIFICATION/);
    await w.commit(b, { 'docs/notes.md': 'unrelated own work\n' });
    await assertBlocked(w, b, 'dist/app.txt', foreign, ['push', 'origin', 'main']);
  });

  it("without reflogs nothing counts as the user's own: the push is blocked and says why", async () => {
    const w = await world();
    const b = await w.clone('b');
    await w.gitOk(b, ['config', 'core.logAllRefUpdates', 'false']);
    // As a mirror clone or an old clone made that way: no reflog at all (git appends to logs that exist).
    rmSync(join(b, '.git', 'logs'), { recursive: true, force: true });
    await w.commit(b, { 'dist/app.txt': 'my own, but no evidence\n' });
    const push = await w.git(b, ['push', 'origin', 'main']);
    assert.notEqual(push.code, 0, both(push));
    assert.match(push.stderr, /this clone keeps no reflog \(core\.logAllRefUpdates=false, or a mirror clone\)/);
    assert.match(push.stderr, /git config core\.logAllRefUpdates true/);
  });

  /**
   * Issue 23, DESIGN 3.1 "Ownership is of content, not of commits": bytes
   * copied from a foreign commit stay foreign whichever command committed
   * them. Each of these commands, on the code before, signed the
   * contributor's unsigned file on the developer's next plain push (the
   * copying commit was the developer's own, and own work was decided from
   * commits alone; `cherry-pick: fast-forward` even counted as a creation).
   */
  describe("copying foreign bytes never makes them one's own (issue 23)", () => {
    const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

    /** A push of the developer's commit that copied `path` from `foreign` is blocked, naming both, and leaves no record. */
    async function assertCopyBlocked(w: HookWorld, cwd: string, path: string, foreign: string, from: RegExp) {
      const tip = await head(w, cwd);
      const push = await w.git(cwd, ['push', 'origin', 'HEAD']);
      assert.notEqual(push.code, 0, both(push));
      assert.match(push.stderr, new RegExp(`release file\\(s\\) of ${tip.slice(0, 12)} came from outside this clone`));
      assert.match(
        push.stderr,
        new RegExp(
          `${escape(path)}: copied by your commit ${tip.slice(0, 12)} from ${foreign.slice(0, 12)}, which this clone did not make`,
        ),
      );
      assert.match(push.stderr, from);
      assert.match(push.stderr, /kmssig sign --rev [0-9a-f]{12} --ref \S+ --accept /);
      assert.deepEqual(await w.remoteRecords(tip), [], 'the copied content got a record');
    }

    /** After a squash merge or a checkout of paths: the hook says where the bytes came from and that a push will be refused. */
    function assertForewarned(output: string, path: string, foreign: string) {
      assert.match(
        output,
        new RegExp(
          `${escape(path)}: uncommitted, its bytes came unsigned from ${foreign.slice(0, 12)}, which this clone did not make.*a push of them will be refused`,
        ),
      );
      assert.doesNotMatch(output, new RegExp(`${escape(path)}: uncommitted change, verified once committed and pushed`));
    }

    it('git fetch origin pull/8/head && git cherry-pick --ff FETCH_HEAD: a fast-forward creates nothing, the push is blocked', async () => {
      const w = await world();
      const b = await w.clone('b');
      const foreign = await contribute(w, { 'dist/app.txt': 'pull request, unsigned\n' }, 'refs/pull/8/head');
      await w.gitOk(b, ['fetch', '-q', 'origin', 'pull/8/head']);
      await w.gitOk(b, ['cherry-pick', '--ff', 'FETCH_HEAD']);
      assert.equal(await head(w, b), foreign, "git fast-forwarded to the contributor's commit");
      assert.equal((await w.gitOk(b, ['reflog', '-1', '--format=%gs'])).trim(), 'cherry-pick: fast-forward');
      const push = await assertBlocked(w, b, 'dist/app.txt', foreign, ['push', 'origin', 'main']);
      assert.match(push.stderr, /on no remote-tracking ref: a pull from a URL, FETCH_HEAD or a bundle/);
      await acceptAndPush(w, b, 'dist/app.txt');
    });

    // Each command copies the contribution's dist/app.txt from origin/x without committing; its hook forewarns.
    for (const { command, bring } of [
      { command: 'git merge --squash origin/x (post-merge)', bring: ['merge', '--squash', 'origin/x'] },
      { command: 'git pull --squash origin x (post-merge, from a pull)', bring: ['pull', '--squash', 'origin', 'x'] },
      { command: 'git checkout origin/x -- dist/app.txt (post-checkout)', bring: ['checkout', 'origin/x', '--', 'dist/app.txt'] },
      {
        command: 'git restore --source=origin/x dist/ (the working tree only; post-checkout)',
        bring: ['restore', '--source=origin/x', 'dist/'],
      },
    ]) {
      it(`${command}: the hook says where the bytes came from, and the push of the commit is blocked`, async () => {
        const w = await world();
        const b = await w.clone('b');
        const foreign = await contribute(w, { 'dist/app.txt': `${command}, unsigned\n` }, 'x');
        if (bring[0] !== 'pull') await w.gitOk(b, ['fetch', '-q', 'origin']);
        const copy = await w.git(b, bring);
        assert.equal(copy.code, 0, both(copy));
        assertForewarned(copy.stderr, 'dist/app.txt', foreign);
        await w.gitOk(b, ['commit', '-q', '--no-verify', '-am', 'take x']);
        await assertCopyBlocked(w, b, 'dist/app.txt', foreign, /\(from origin\/x\)/);
        await acceptAndPush(w, b, 'dist/app.txt');
      });
    }

    it("git cherry-pick origin/x: a new commit of the user's that holds the contribution's bytes; the push is blocked", async () => {
      const w = await world();
      const b = await w.clone('b');
      await w.commit(b, { 'docs/notes.md': 'own work first\n' }, 'own work');
      const foreign = await contribute(w, { 'dist/app.txt': 'picked, unsigned\n' }, 'x');
      await w.gitOk(b, ['fetch', '-q', 'origin']);
      await w.gitOk(b, ['cherry-pick', 'origin/x']);
      assert.notEqual(await head(w, b), foreign, 'the pick made a new commit');
      await assertCopyBlocked(w, b, 'dist/app.txt', foreign, /\(from origin\/x\)/);
      await acceptAndPush(w, b, 'dist/app.txt');
    });

    it('git diff HEAD origin/x | git apply: no hook runs, and the push of the applied bytes is blocked', async () => {
      const w = await world();
      const b = await w.clone('b');
      const foreign = await contribute(w, { 'dist/app.txt': 'applied, unsigned\n', 'dist/new.txt': 'a new file, unsigned\n' }, 'x');
      await w.gitOk(b, ['fetch', '-q', 'origin']);
      const patch = await w.gitOk(b, ['diff', '--binary', 'HEAD', 'origin/x']);
      await w.gitOk(b, ['apply'], { input: patch });
      await w.gitOk(b, ['add', 'dist']);
      await w.gitOk(b, ['commit', '-q', '--no-verify', '-m', 'applied the patch']);
      await assertCopyBlocked(w, b, 'dist/new.txt', foreign, /\(from origin\/x\)/);
      const sign = await w.kmssig(b, ['sign', '--ref', 'main', '--accept', 'dist/app.txt', '--accept', 'dist/new.txt']);
      assert.equal(sign.code, 0, both(sign));
      const push = await w.git(b, ['push', '-q', 'origin', 'HEAD:main']);
      assert.equal(push.code, 0, both(push));
      assert.equal((await strict(w, b)).code, 0);
    });

    it('a bundle fetched into FETCH_HEAD, its file checked out: forewarned and blocked', async () => {
      const w = await world();
      const b = await w.clone('b');
      const x = await w.clone('x', { hooks: false });
      const foreign = await w.commit(x, { 'dist/app.txt': 'bundled, unsigned\n' }, 'contribution');
      const bundle = join(w.root, 'contribution.bundle');
      await w.gitOk(x, ['bundle', 'create', bundle, 'origin/main..main']);
      await w.gitOk(b, ['fetch', '-q', bundle, 'main']);
      const checkout = await w.git(b, ['checkout', 'FETCH_HEAD', '--', 'dist/app.txt']);
      assertForewarned(checkout.stderr, 'dist/app.txt', foreign);
      await w.gitOk(b, ['commit', '-q', '--no-verify', '-m', 'from the bundle']);
      await assertCopyBlocked(w, b, 'dist/app.txt', foreign, /on no remote-tracking ref/);
      await acceptAndPush(w, b, 'dist/app.txt');
    });

    it("a foreign copy that the user then edits is the user's own change: signed on push without a word", async () => {
      // The limit DESIGN 3.1 and SECURITY.md write down: edited bytes occur in no foreign commit, so they are the
      // user's change, exactly like bytes typed in by hand. What came from the contribution is the user's to review.
      const w = await world();
      const b = await w.clone('b');
      await contribute(w, { 'dist/app.txt': 'contributed, unsigned\n' }, 'x');
      await w.gitOk(b, ['fetch', '-q', 'origin']);
      await w.gitOk(b, ['checkout', 'origin/x', '--', 'dist/app.txt']);
      appendFileSync(join(b, 'dist/app.txt'), 'reviewed and changed by b\n');
      const status = await w.git(b, ['status', '--short']);
      assert.match(status.stdout, /dist\/app\.txt/);
      await w.gitOk(b, ['commit', '-q', '--no-verify', '-am', 'take x, edited']);
      const push = await w.git(b, ['push', 'origin', 'main']);
      assert.equal(push.code, 0, both(push));
      assert.doesNotMatch(push.stderr, /✖|⚠|came from outside/, both(push));
      assert.ok((await w.remoteRecords(await head(w, b))).length > 0, 'the edited copy has no record');
    });
  });

  describe('honest work signs without a block or a warning', () => {
    const quietPush = async (w: HookWorld, cwd: string, args: string[]) => {
      const push = await w.git(cwd, args);
      assert.equal(push.code, 0, both(push));
      assert.doesNotMatch(push.stderr, /✖|⚠|came from outside/, both(push));
      assert.match(push.stderr, /signed \d+ commit/);
      const tip = (await w.gitOk(cwd, ['rev-parse', args.at(-1)!.replace(/^HEAD:/, 'HEAD')])).trim();
      assert.ok((await w.remoteRecords(tip)).length > 0, 'the pushed tip has no record');
    };

    it('a commit, an amend of a pushed commit, a revert', async () => {
      const w = await world();
      await w.commit(a(w), { 'dist/app.txt': 'v2\n' });
      await quietPush(w, a(w), ['push', 'origin', 'main']);
      await w.gitOk(a(w), ['commit', '-q', '--amend', '-m', 'v2, reworded']);
      await quietPush(w, a(w), ['push', '--force', 'origin', 'main']);
      await w.gitOk(a(w), ['revert', '--no-edit', 'HEAD']);
      await quietPush(w, a(w), ['push', 'origin', 'main']);
    });

    it('pull --rebase from origin with local commits', async () => {
      const w = await world();
      const b = await w.clone('b');
      await w.commit(a(w), { 'dist/app.txt': 'from A\n' });
      await w.gitOk(a(w), ['push', '-q', 'origin', 'main']);
      await w.commit(b, { 'dist/b.txt': 'from B\n' });
      const pull = await w.git(b, ['pull', '--rebase', 'origin', 'main']);
      assert.equal(pull.code, 0, both(pull));
      assert.doesNotMatch(pull.stderr, /✖/);
      await quietPush(w, b, ['push', 'origin', 'main']);
    });

    it("a merge and a cherry-pick of one's own branch, a new branch, a tag", async () => {
      const w = await world();
      await w.gitOk(a(w), ['checkout', '-q', '-b', 'feature']);
      await w.commit(a(w), { 'dist/feature.txt': 'feature\n' });
      const pick = await w.commit(a(w), { 'dist/pick.txt': 'picked\n' });
      await quietPush(w, a(w), ['push', 'origin', 'feature']);
      await w.gitOk(a(w), ['checkout', '-q', 'main']);
      await w.gitOk(a(w), ['cherry-pick', pick]);
      await quietPush(w, a(w), ['push', 'origin', 'main']);
      await w.gitOk(a(w), ['merge', '-q', '--no-ff', '--no-edit', 'feature']);
      await quietPush(w, a(w), ['push', 'origin', 'main']);
      await w.gitOk(a(w), ['tag', 'v2']);
      await quietPush(w, a(w), ['push', 'origin', 'v2']);
    });

    it('a commit made in a second worktree', async () => {
      const w = await world();
      const second = join(w.root, 'second');
      await w.gitOk(a(w), ['worktree', 'add', '-q', '-b', 'side', second]);
      await w.commit(second, { 'dist/side.txt': 'from the second worktree\n' });
      await quietPush(w, second, ['push', 'origin', 'side']);
    });

    /** A clone with a configuration and a release that it pushed without any record: no signed commit anywhere yet. */
    async function pushedUnsigned(w: HookWorld, name: string, before?: (cwd: string) => void): Promise<string> {
      const b = await w.clone(name, { hooks: false });
      before?.(b);
      await w.commit(b, { '.kmssigrc': JSON.stringify(CONFIG), 'dist/app.txt': 'app v1\n' }, 'release v1');
      await w.gitOk(b, ['push', '-q', '-u', 'origin', 'main']);
      assert.deepEqual(await w.remoteRecords(await head(w, b)), []);
      const install = await w.kmssig(b, ['install']);
      assert.equal(install.code, 0, both(install));
      return b;
    }

    it("a release pushed before installing the hooks stays the clone's own: the next push signs quietly (issue 23)", async () => {
      // Before, `.kmssigrc: last changed by <own commit>, which this clone did not make (from origin/main)`.
      const w = await world({ seed: false });
      const b = await pushedUnsigned(w, 'b');
      await w.commit(b, { 'dist/app.txt': 'app v2\n' });
      await quietPush(w, b, ['push', 'origin', 'main']);
      assert.equal((await strict(w, b)).code, 0);
    });

    it("a release file pushed with --no-verify stays the clone's own: the next plain push signs quietly (issue 23)", async () => {
      const w = await world();
      await w.commit(a(w), { 'dist/app.txt': 'app v2, pushed unsigned\n' });
      await w.gitOk(a(w), ['push', '-q', '--no-verify', 'origin', 'main']);
      await w.commit(a(w), { 'dist/other.txt': 'more\n' });
      await quietPush(w, a(w), ['push', 'origin', 'main']);
      assert.equal((await strict(w, a(w))).code, 0);
    });

    it('a team whose existing Python pre-push hook kmssig chained: its first push after install signs quietly (issue 23)', async () => {
      const w = await world({ seed: false });
      const log = join(w.root, 'team-hook.log');
      const b = await pushedUnsigned(w, 'b', (cwd) => {
        const hook = join(cwd, '.git', 'hooks', 'pre-push');
        writeFileSync(hook, `#!/usr/bin/env python3\nimport sys\nopen(${JSON.stringify(log)}, "a").write("team hook ran\\n")\n`);
        chmodSync(hook, 0o755);
      });
      assert.equal(readFileSync(log, 'utf8'), 'team hook ran\n', 'the team hook ran on the push before install');
      await w.commit(b, { 'dist/app.txt': 'app v2\n' });
      await quietPush(w, b, ['push', 'origin', 'main']);
      assert.equal(readFileSync(log, 'utf8'), 'team hook ran\nteam hook ran\n', 'the chained team hook ran after kmssig');
    });

    it("one's own branch merged on the host, unsigned: the merge commit did not make the user's bytes foreign (issue 23)", async () => {
      // The host's merge commit adds the branch's file against main, but not against the branch: it introduced nothing.
      const w = await world();
      await w.gitOk(a(w), ['checkout', '-q', '-b', 'feature']);
      await w.commit(a(w), { 'dist/feature.txt': 'feature\n' });
      await w.gitOk(a(w), ['push', '-q', '--no-verify', 'origin', 'feature']);
      // The host's merge button: a merge commit made in the remote, by no clone.
      const tree = (await w.gitOk(w.bare, ['merge-tree', '--write-tree', 'main', 'feature'])).trim();
      const merged = (await w.gitOk(w.bare, ['commit-tree', tree, '-p', 'main', '-p', 'feature', '-m', 'Merge pull request #1'])).trim();
      await w.gitOk(w.bare, ['update-ref', 'refs/heads/main', merged]);
      await w.gitOk(a(w), ['fetch', '-q', 'origin']);
      await w.gitOk(a(w), ['checkout', '-q', '-B', 'main', 'origin/main']);
      await w.commit(a(w), { 'dist/app.txt': 'app v2\n' });
      await quietPush(w, a(w), ['push', 'origin', 'main']);
      assert.equal((await strict(w, a(w))).code, 0);
    });

    it("pull --squash of a teammate's signed branch over one's own unpushed release change: no alarm (issue 23)", async () => {
      // A squash leaves HEAD where it was: what the pull brought is uncommitted (and vouched for by the teammate's record),
      // and the user's own unpushed change at HEAD is not pulled content, so it is not held to the strict rule of a pull.
      const w = await world();
      const b = await w.clone('b');
      await w.gitOk(a(w), ['checkout', '-q', '-b', 'feature']);
      await w.commit(a(w), { 'dist/feature.txt': 'feature, signed on its branch\n' });
      await quietPush(w, a(w), ['push', 'origin', 'feature']);
      await w.commit(b, { 'dist/app.txt': 'own, not pushed yet\n' });
      const pull = await w.git(b, ['pull', '--squash', 'origin', 'feature']);
      assert.equal(pull.code, 0, both(pull));
      assert.doesNotMatch(pull.stderr, /✖|⚠|FAILED VERIFICATION/, both(pull));
      assert.match(pull.stderr, /dist\/app\.txt: local, will be signed on push/);
      await w.gitOk(b, ['commit', '-q', '--no-verify', '-m', 'squashed feature']);
      await quietPush(w, b, ['push', 'origin', 'main']);
      assert.equal((await strict(w, b)).code, 0);
    });

    it('a file checked out from a signed branch: bytes a valid record lists are no laundering (issue 23)', async () => {
      // The bytes come from a teammate's commit, but that commit's record vouches for them: no forewarning, no block.
      const w = await world();
      await w.gitOk(a(w), ['checkout', '-q', '-b', 'release']);
      const release = await w.commit(a(w), { 'dist/app.txt': 'app v2, signed on the release branch\n' });
      await quietPush(w, a(w), ['push', 'origin', 'release']);
      const b = await w.clone('b');
      const checkout = await w.git(b, ['checkout', 'origin/release', '--', 'dist/app.txt']);
      assert.equal(checkout.code, 0, both(checkout));
      assert.doesNotMatch(checkout.stderr, /⚠|✖/, both(checkout));
      await w.gitOk(b, ['commit', '-q', '--no-verify', '-am', `take ${release.slice(0, 7)}'s app`]);
      await quietPush(w, b, ['push', 'origin', 'main']);
    });
  });
});
