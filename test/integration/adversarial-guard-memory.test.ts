import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { both, useHookWorlds, type HookWorld } from '../helpers/hookWorld.js';

/**
 * Issue 22, DESIGN 3.4 items 6 and 7: a pin remembers, and what is hashed is
 * what checkout writes. The attacker clone `x` can push anything, refs
 * included (with --no-verify, no kmssig hooks of its own), but never signs.
 * On the code before issue 22 each attack below was silent on the
 * teammate's clone: a HEAD without configuration and without notes was
 * "history from before kmssig" (and CI's check said "create .kmssigrc",
 * exit 2), a pruned or emptied notes ref took this clone's records with it,
 * and a replace ref changed the bytes a checkout writes while the hooks
 * answered from their caches, keyed by the original ids and refs. The honest
 * side: a repository that never used kmssig, a team that stops using it the
 * documented way, and a team that changes its configuration through a
 * signed commit hear nothing.
 */
describe('adversarial: a pin remembers, and what is hashed is what checkout writes', () => {
  const { world } = useHookWorlds();
  const a = (w: HookWorld) => join(w.root, 'a');
  const strict = (w: HookWorld, cwd: string, extra: string[] = []) =>
    w.kmssig(cwd, ['check', '--key', w.keyArn, '--context', 'repo=acme/app', ...extra]);
  const head = async (w: HookWorld, cwd: string, rev = 'HEAD') => (await w.gitOk(cwd, ['rev-parse', rev])).trim();

  /** The attacker: a clone without hooks, up to date with main. */
  async function attacker(w: HookWorld): Promise<string> {
    const x = existsSync(join(w.root, 'x')) ? join(w.root, 'x') : await w.clone('x', { hooks: false });
    await w.gitOk(x, ['pull', '-q', '--no-rebase', 'origin', 'main']);
    return x;
  }

  /** A second signed release from A, pulled by `b` (its hooks run and remember the notes). */
  async function secondRelease(w: HookWorld, b: string): Promise<void> {
    await w.commit(a(w), { 'dist/app.txt': 'app v2\n' }, 'release v2');
    const push = await w.git(a(w), ['push', 'origin', 'main']);
    assert.equal(push.code, 0, both(push));
    const pull = await w.git(b, ['pull']);
    assert.equal(pull.code, 0, both(pull));
    assert.doesNotMatch(pull.stderr, /✖|FAILED/);
  }

  it('a replaced release blob: checkout writes the attacker’s bytes, the hook names the replace ref (no cached answer), check too', async () => {
    const w = await world();
    const b = await w.clone('b');
    await secondRelease(w, b);
    // Both commits verified once: the hooks' decision and digest caches hold them.
    for (const rev of ['HEAD~1', 'main']) {
      const r = await w.git(b, ['checkout', '-q', rev]);
      assert.equal(both(r), '', both(r));
    }

    const x = await attacker(w);
    const blob = (await w.gitOk(x, ['rev-parse', 'HEAD:dist/app.txt'])).trim();
    const evil = (await w.gitOk(x, ['hash-object', '-w', '--stdin'], { input: 'evil\n' })).trim();
    await w.gitOk(x, ['replace', blob, evil]);
    await w.gitOk(x, ['push', '-q', '--no-verify', 'origin', 'refs/replace/*']);

    await w.gitOk(b, ['fetch', '-q', 'origin', 'refs/replace/*:refs/replace/*']);
    await w.gitOk(b, ['checkout', '-q', 'HEAD~1']);
    const back = await w.git(b, ['checkout', '-q', 'main']);
    assert.equal(readFileSync(join(b, 'dist/app.txt'), 'utf8'), 'evil\n', 'git did not write the replaced bytes');
    assert.match(back.stderr, /kmssig post-checkout: RELEASE FILES FAILED VERIFICATION/, both(back));
    assert.match(back.stderr, new RegExp(`dist/app\\.txt\\s+replaced by refs/replace/${blob}, checkout writes other bytes`));
    const check = await strict(w, b);
    assert.equal(check.code, 1, both(check));
    assert.match(check.stdout, new RegExp(`dist/app\\.txt\\s+replaced by refs/replace/${blob}`));
    assert.match(check.stderr, /git replace -d/);

    // Deleted, the next checkout writes the signed bytes (git sees the replaced ones as a local change) and verifies without a word.
    await w.gitOk(b, ['replace', '-d', blob]);
    await w.gitOk(b, ['checkout', '-q', '-f', 'HEAD~1']);
    const clean = await w.git(b, ['checkout', '-q', 'main']);
    assert.equal(readFileSync(join(b, 'dist/app.txt'), 'utf8'), 'app v2\n');
    assert.equal(both(clean), '', both(clean));

    // A replaced commit changes every file a checkout writes: named the same way.
    const v2 = await head(w, x);
    const distTree = (await w.gitOk(x, ['mktree'], { input: `100644 blob ${evil}\tapp.txt\n` })).trim();
    const listing = (await w.gitOk(x, ['ls-tree', v2])).replace(/^040000 tree [0-9a-f]+\tdist$/m, `040000 tree ${distTree}\tdist`);
    const rootTree = (await w.gitOk(x, ['mktree'], { input: listing })).trim();
    const replacement = (await w.gitOk(x, ['commit-tree', '-p', 'HEAD~1', '-m', 'release v2', rootTree])).trim();
    await w.gitOk(x, ['replace', '-f', v2, replacement]);
    await w.gitOk(x, ['push', '-q', '--no-verify', '--force', 'origin', 'refs/replace/*']);
    await w.gitOk(b, ['checkout', '-q', 'HEAD~1']);
    await w.gitOk(b, ['fetch', '-q', 'origin', '+refs/replace/*:refs/replace/*']);
    await w.gitOk(b, ['replace', '-d', blob]);
    const swapped = await w.git(b, ['checkout', '-q', 'main']);
    assert.equal(readFileSync(join(b, 'dist/app.txt'), 'utf8'), 'evil\n');
    assert.match(swapped.stderr, new RegExp(`dist/app\\.txt\\s+replaced by refs/replace/${v2}`), both(swapped));
  });

  it('honest: a replace ref on a file that is not a release file changes nothing', async () => {
    const w = await world();
    const b = await w.clone('b');
    const x = await attacker(w);
    const readme = (await w.gitOk(x, ['rev-parse', 'HEAD:README.md'])).trim();
    const other = (await w.gitOk(x, ['hash-object', '-w', '--stdin'], { input: 'another readme\n' })).trim();
    await w.gitOk(x, ['replace', readme, other]);
    await w.gitOk(x, ['push', '-q', '--no-verify', 'origin', 'refs/replace/*']);
    await w.gitOk(b, ['fetch', '-q', 'origin', 'refs/replace/*:refs/replace/*']);
    await w.commit(a(w), { 'dist/app.txt': 'app v2\n' }, 'release v2');
    await w.gitOk(a(w), ['push', '-q', 'origin', 'main']);
    const pull = await w.git(b, ['pull']);
    assert.equal(pull.code, 0, both(pull));
    assert.doesNotMatch(pull.stderr, /✖|FAILED/);
    assert.equal((await strict(w, b)).code, 0);
  });
});
