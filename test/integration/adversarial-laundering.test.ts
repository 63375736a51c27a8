import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { both, useHookWorlds, type HookWorld } from '../helpers/hookWorld.js';

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
  });
});
