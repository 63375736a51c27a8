import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { both, CONFIG, useHookWorlds, type HookWorld } from '../helpers/hookWorld.js';

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
  const hasRef = async (w: HookWorld, cwd: string, ref: string) => (await w.git(cwd, ['rev-parse', '--verify', '--quiet', ref])).code === 0;

  /** The attacker: a clone without hooks, up to date with main. */
  async function attacker(w: HookWorld): Promise<string> {
    const x = existsSync(join(w.root, 'x')) ? join(w.root, 'x') : await w.clone('x', { hooks: false });
    await w.gitOk(x, ['pull', '-q', '--no-rebase', 'origin', 'main']);
    return x;
  }

  /** An unsigned commit pushed with --no-verify; `remove` paths are deleted in it. */
  async function attack(w: HookWorld, files: Record<string, string>, remove: string[] = []): Promise<string> {
    const x = await attacker(w);
    for (const path of remove) await w.gitOk(x, ['rm', '-q', path]);
    const commit = await w.commit(x, files, 'attack');
    await w.gitOk(x, ['push', '-q', '--no-verify', 'origin', 'main']);
    return commit;
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

  it('a pinned clone: an unsigned commit removes .kmssigrc and the notes are deleted: the pull fails naming the removal, and so does check --key --context', async () => {
    const w = await world();
    const b = await w.clone('b');
    assert.equal((await w.gitOk(b, ['config', 'kmssig.trust.pinned'])).trim(), 'true');
    await w.gitOk(b, ['config', 'fetch.prune', 'true']);
    const removal = await attack(w, { 'dist/app.txt': 'evil\n' }, ['.kmssigrc']);
    await w.gitOk(await attacker(w), ['push', '-q', '--no-verify', 'origin', ':refs/notes/kmssig']);

    const pull = await w.git(b, ['pull']);
    assert.equal(await hasRef(w, b, 'refs/notes/remotes/origin/kmssig'), false, 'the fetch did not prune the notes');
    assert.match(pull.stderr, /kmssig post-merge: RELEASE FILES FAILED VERIFICATION/, both(pull));
    assert.match(pull.stderr, new RegExp(`\\.kmssigrc was removed in ${removal.slice(0, 12)}, a change nobody can sign`));
    assert.match(pull.stderr, /kmssig uninstall and kmssig trust --clear/);
    // b's own check uses its pin: the same failure, exit 1.
    const own = await w.kmssig(b, ['check']);
    assert.equal(own.code, 1, both(own));
    assert.match(own.stderr, new RegExp(`\\.kmssigrc was removed in ${removal.slice(0, 12)}`));

    // CI: a fresh clone, no notes anywhere. Flags pin the policy: exit 1 naming the removal, not exit 2.
    const ci = await w.clone('ci', { hooks: false });
    const check = await strict(w, ci);
    assert.equal(check.code, 1, both(check));
    assert.match(check.stderr, new RegExp(`\\.kmssigrc was removed in ${removal.slice(0, 12)}`));
    assert.doesNotMatch(check.stderr, /create \.kmssigrc/);
    const json = JSON.parse((await strict(w, ci, ['--format', 'json'])).stdout);
    assert.equal(json.result, 'fail');
    assert.match(json.problem, /\.kmssigrc was removed in/);
    // Nothing pinned at all (no flags, no pin): nothing tells this from a repository without kmssig.
    const unpinned = await w.kmssig(ci, ['check']);
    assert.equal(unpinned.code, 2, both(unpinned));
  });

  it('a pinned clone whose configuration moved to package.json (signed): an unsigned removal of its "kmssig" key is named', async () => {
    const w = await world();
    const b = await w.clone('b');
    await w.gitOk(a(w), ['rm', '-q', '.kmssigrc']);
    await w.commit(a(w), { 'package.json': JSON.stringify({ name: 'app', kmssig: CONFIG }, null, 2) }, 'configuration in package.json');
    assert.equal((await w.git(a(w), ['push', 'origin', 'main'])).code, 0);
    const moved = await w.git(b, ['pull']);
    assert.equal(moved.code, 0, both(moved));
    assert.doesNotMatch(moved.stderr, /✖|FAILED|removed/);

    const removal = await attack(w, { 'package.json': JSON.stringify({ name: 'app' }, null, 2), 'dist/app.txt': 'evil\n' });
    await w.gitOk(await attacker(w), ['push', '-q', '--no-verify', 'origin', ':refs/notes/kmssig']);
    await w.gitOk(b, ['config', 'fetch.prune', 'true']);
    const pull = await w.git(b, ['pull']);
    // The records this clone had are kept (its notes were pruned), so the failure names the removal beside them.
    assert.match(pull.stderr, new RegExp(`the "kmssig" key of package\\.json, removed in ${removal.slice(0, 12)}`), both(pull));
    assert.match(pull.stderr, /the signatures of origin lost 2 record\(s\)/);
  });

  it('an unsigned removal while the notes are still there names the removing commit (clone and CI)', async () => {
    const w = await world();
    const b = await w.clone('b');
    const removal = await attack(w, { 'dist/app.txt': 'evil\n' }, ['.kmssigrc']);
    const pull = await w.git(b, ['pull']);
    assert.match(pull.stderr, /has kmssig signatures among its ancestors but no configuration/, both(pull));
    assert.match(pull.stderr, new RegExp(`\\.kmssigrc, removed in ${removal.slice(0, 12)}`));
    const ci = await w.clone('ci', { hooks: false });
    const check = await w.kmssig(ci, ['check']);
    assert.equal(check.code, 1, both(check));
    assert.match(check.stderr, new RegExp(`\\.kmssigrc, removed in ${removal.slice(0, 12)}`));
  });

  for (const how of ['deleted (fetch.prune=true)', 'force-pushed empty'] as const) {
    it(`the notes ${how} on the remote: the clone keeps the records it had, says so, and the unsigned change still fails`, async () => {
      const w = await world();
      const b = await w.clone('b');
      await w.gitOk(b, ['config', 'fetch.prune', 'true']);
      await secondRelease(w, b);
      const v1 = await head(w, a(w), 'HEAD~1');
      const v2 = await head(w, a(w));

      await attack(w, { 'dist/app.txt': 'evil\n' });
      const x = await attacker(w);
      if (how === 'force-pushed empty') {
        const tree = (await w.gitOk(x, ['mktree'], { input: '' })).trim();
        const empty = (await w.gitOk(x, ['commit-tree', '-m', 'Notes added by kmssig', tree])).trim();
        await w.gitOk(x, ['push', '-q', '--no-verify', '--force', 'origin', `${empty}:refs/notes/kmssig`]);
      } else {
        await w.gitOk(x, ['push', '-q', '--no-verify', 'origin', ':refs/notes/kmssig']);
      }

      const pull = await w.git(b, ['pull']);
      const tracking = await hasRef(w, b, 'refs/notes/remotes/origin/kmssig');
      assert.equal(tracking, how === 'force-pushed empty', 'the fetch did not do to the notes what the test is about');
      assert.match(pull.stderr, /the signatures of origin lost 2 record\(s\) this clone had/, both(pull));
      assert.match(pull.stderr, how === 'force-pushed empty' ? /was rewritten without them/ : /was deleted/);
      // The records are kept, so the unsigned change is named against the signed release, not "never signed".
      assert.match(pull.stderr, /RELEASE FILES FAILED VERIFICATION/);
      assert.match(pull.stderr, new RegExp(`dist/app\\.txt\\s+modified since ${v2.slice(0, 12)}`));
      const kept = await w.gitOk(b, ['notes', '--ref=kmssig', 'list']);
      for (const commit of [v1, v2]) assert.match(kept, new RegExp(commit));
      // Said once: the next hooks find nothing new lost (main still fails for its unsigned file).
      const again = await w.git(b, ['checkout', '-q', 'HEAD~1']);
      assert.equal(both(again), '');
      const main = await w.git(b, ['checkout', '-q', 'main']);
      assert.match(main.stderr, /dist\/app\.txt\s+modified since/);
      assert.doesNotMatch(main.stderr, /lost/);

      // The push the message names gives the remote its records back.
      const restore = await w.git(b, ['push', 'origin', 'refs/notes/kmssig']);
      assert.equal(restore.code, 0, both(restore));
      assert.equal((await w.remoteRecords(v2)).length, 1);
    });
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

  it('honest: history from before kmssig stays quiet, in clones without a pin and in one pinned after adoption', async () => {
    const w = await world({ seed: false });
    const b = await w.clone('b');
    const c = await w.clone('c');
    assert.equal((await w.git(c, ['config', 'kmssig.trust.pinned'])).code, 1, 'install pinned something without a configuration');
    const pkg = (version: string) => JSON.stringify({ name: 'app', devDependencies: { kmssig: version } }, null, 2);
    await w.commit(b, { 'dist/app.txt': 'one\n', 'package.json': pkg('^1.0.0') });
    await w.gitOk(b, ['push', '-q', '-u', 'origin', 'main']);
    await w.commit(b, { 'dist/app.txt': 'two\n', 'package.json': pkg('^1.1.0') });
    await w.gitOk(b, ['push', '-q', 'origin', 'main']);
    const pull = await w.git(c, ['pull', '-q', 'origin', 'main']);
    assert.equal(pull.code, 0, both(pull));
    assert.equal(pull.stderr, '');
    assert.equal(both(await w.git(c, ['checkout', '-q', 'HEAD~1'])), '');

    // The team adopts kmssig; a clone made now is pinned, and the commits from before stay quiet there too.
    await w.commit(b, { '.kmssigrc': JSON.stringify(CONFIG), 'dist/app.txt': 'three\n' }, 'adopt kmssig');
    assert.equal((await w.git(b, ['push', 'origin', 'main'])).code, 0);
    const d = await w.clone('d');
    assert.equal((await w.gitOk(d, ['config', 'kmssig.trust.pinned'])).trim(), 'true');
    for (const rev of ['main~1', 'main~2', 'main']) {
      const r = await w.git(d, ['checkout', '-q', rev]);
      assert.equal(r.code, 0, both(r));
      assert.equal(both(r), '', `nothing to say at ${rev}`);
    }
  });

  it('honest: a team that stops using kmssig (kmssig uninstall, kmssig trust --clear) is not bothered; a clone that pulls first is told once, with the way out', async () => {
    const w = await world();
    const b = await w.clone('b');
    const late = await w.clone('late');
    for (const clone of [a(w), b]) {
      for (const step of [['uninstall'], ['trust', '--clear']]) {
        const r = await w.kmssig(clone, step);
        assert.equal(r.code, 0, both(r));
      }
    }
    await w.gitOk(a(w), ['rm', '-q', '.kmssigrc']);
    await w.commit(a(w), { 'dist/app.txt': 'app v2, built without kmssig\n' }, 'stop using kmssig');
    const push = await w.git(a(w), ['push', 'origin', 'main']);
    assert.equal(push.code, 0, both(push));
    assert.doesNotMatch(push.stderr, /kmssig:|✖|⚠/);
    const pull = await w.git(b, ['pull']);
    assert.equal(pull.code, 0, both(pull));
    assert.doesNotMatch(pull.stderr, /kmssig:|✖|⚠/);
    const checkout = await w.git(b, ['checkout', '-q', 'HEAD~1']);
    assert.equal(both(checkout), '');

    // A clone still pinned hears about the unsigned removal — rightly: nobody could sign it.
    const told = await w.git(late, ['pull']);
    assert.match(told.stderr, /\.kmssigrc, removed in [0-9a-f]{12}/, both(told));
    assert.match(told.stderr, /kmssig uninstall and kmssig trust --clear/);
    for (const step of [['uninstall'], ['trust', '--clear']]) assert.equal((await w.kmssig(late, step)).code, 0);
    const after = await w.git(late, ['checkout', '-q', 'HEAD~1']);
    assert.equal(both(after), '');
  });

  it('honest: a team that changes its configuration through signed commits (new patterns, a rename) sees no alarm', async () => {
    const w = await world();
    const b = await w.clone('b');
    await w.gitOk(b, ['config', 'fetch.prune', 'true']);
    await w.commit(a(w), { '.kmssigrc': JSON.stringify({ ...CONFIG, files: ['dist/**', 'docs/**'] }), 'docs/x.md': 'x\n' });
    assert.equal((await w.git(a(w), ['push', 'origin', 'main'])).code, 0);
    const pull = await w.git(b, ['pull']);
    assert.equal(pull.code, 0, both(pull));
    assert.doesNotMatch(pull.stderr, /✖|FAILED|lost/);
    // A rename deletes .kmssigrc as far as git's history is concerned: signed, it is no removal.
    await w.gitOk(a(w), ['mv', '.kmssigrc', '.kmssigrc.json']);
    await w.gitOk(a(w), ['commit', '-q', '--no-verify', '-m', 'rename the configuration']);
    assert.equal((await w.git(a(w), ['push', 'origin', 'main'])).code, 0);
    const renamed = await w.git(b, ['pull']);
    assert.equal(renamed.code, 0, both(renamed));
    assert.doesNotMatch(renamed.stderr, /✖|FAILED|lost|removed/);
    assert.equal((await strict(w, b)).code, 0);
  });
});
