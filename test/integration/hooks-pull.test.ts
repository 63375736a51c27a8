import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { join } from 'node:path';
import { both, contexts, useHookWorlds, type HookWorld } from '../helpers/hookWorld.js';

/** After a pull: what came from the remote is verified, and the notes travel with the pull. */
describe('hooks after git pull (moto, bare remote, real clones)', () => {
  const { world } = useHookWorlds();
  const a = (w: HookWorld) => join(w.root, 'a');

  it('A pushes a signed release, B pulls: the hook passes and the notes came with the pull', async () => {
    const w = await world();
    const b = await w.clone('b');
    const v2 = await w.commit(a(w), { 'dist/app.txt': 'app v2\n' }, 'release v2');
    const push = await w.git(a(w), ['push', 'origin', 'main']);
    assert.equal(push.code, 0, both(push));
    assert.match(push.stderr, /signed 1 commit/);

    const pull = await w.git(b, ['pull']);
    assert.equal(pull.code, 0, both(pull));
    assert.doesNotMatch(both(pull), /✖|FAILED/);
    assert.equal((await w.gitOk(b, ['rev-parse', 'HEAD'])).trim(), v2);
    // The notes came with the pull (the fetch refspec install added), not from a later fetch.
    const note = await w.gitOk(b, ['notes', '--ref=refs/notes/remotes/origin/kmssig', 'show', v2]);
    const [record] = note
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.equal(record.keyId, w.keyArn);
    assert.deepEqual(
      { commit: record.context.commit, branch: record.context.branch, repo: record.context.repo },
      { commit: v2, branch: 'main', repo: 'acme/app' },
    );
    const check = await w.kmssig(b, ['check', '--no-fetch']);
    assert.equal(check.code, 0, both(check));

    // `git pull origin main` fetches only the branch it names: the hook fetches the notes itself.
    const v3 = await w.commit(a(w), { 'dist/app.txt': 'app v3\n' }, 'release v3');
    await w.gitOk(a(w), ['push', '-q', 'origin', 'main']);
    const named = await w.git(b, ['pull', '--no-rebase', 'origin', 'main']);
    assert.equal(named.code, 0, both(named));
    assert.doesNotMatch(both(named), /✖|FAILED/);
    assert.match(await w.gitOk(b, ['notes', '--ref=refs/notes/remotes/origin/kmssig', 'show', v3]), new RegExp(`"commit":"${v3}"`));
  });

  it('C (no hooks) pushes an unsigned change, B pulls: post-merge names the file, check --worktree and checkout fail', async () => {
    const w = await world();
    const b = await w.clone('b');
    const c = await w.clone('c', { hooks: false });
    const signed = (await w.gitOk(b, ['rev-parse', 'HEAD'])).trim();
    const bad = await w.commit(c, { 'dist/app.txt': 'tampered\n' }, 'unsigned');
    await w.gitOk(c, ['push', '-q', 'origin', 'main']);
    assert.deepEqual(await w.remoteRecords(bad), []);

    const pull = await w.git(b, ['pull', '--no-rebase', 'origin', 'main']);
    // post-merge cannot undo the merge: git's status stays 0, the output must be loud.
    assert.match(pull.stderr, /RELEASE FILES FAILED VERIFICATION/);
    assert.match(both(pull), /dist\/app\.txt.*modified since/);
    assert.match(pull.stderr, /git reset --hard ORIG_HEAD/);

    const worktree = await w.kmssig(b, ['check', '--worktree', '--no-fetch']);
    assert.equal(worktree.code, 1, both(worktree));
    assert.match(both(worktree), /dist\/app\.txt/);

    const back = await w.git(b, ['checkout', '-q', signed]);
    assert.equal(back.code, 0, both(back));
    const forward = await w.git(b, ['checkout', '-q', bad]);
    assert.notEqual(forward.code, 0, 'post-checkout status must become the checkout status');
    assert.match(both(forward), /dist\/app\.txt/);
    assert.equal((await w.gitOk(b, ['rev-parse', 'HEAD'])).trim(), bad, 'git still moved HEAD; the status is the alarm');
  });

  it('a pull from a URL that brings an unsigned change is caught though no remote-tracking ref holds it', async () => {
    const w = await world();
    const b = await w.clone('b');
    const c = await w.clone('c', { hooks: false });
    const origin = (await w.gitOk(b, ['rev-parse', 'refs/remotes/origin/main'])).trim();
    const bad = await w.commit(c, { 'dist/app.txt': 'tampered via url\n' }, 'unsigned');
    await w.gitOk(c, ['push', '-q', 'origin', 'main']);

    const pull = await w.git(b, ['pull', '--no-rebase', w.bare, 'main']);
    assert.equal((await w.gitOk(b, ['rev-parse', 'HEAD'])).trim(), bad);
    assert.equal(
      (await w.gitOk(b, ['rev-parse', 'refs/remotes/origin/main'])).trim(),
      origin,
      'the URL pull updated no remote-tracking ref',
    );
    // A fast-forward to a foreign commit: HEAD itself is verified strictly, it is not this clone's work.
    assert.match(pull.stderr, /RELEASE FILES FAILED VERIFICATION at HEAD \([0-9a-f]{12}\) after post-merge/);
    assert.match(both(pull), /dist\/app\.txt\s+modified since/);
    // No remote-tracking ref reaches the commit, but this clone did not make it: not the user's work.
    assert.doesNotMatch(pull.stderr, /dist\/app\.txt: local, will be signed on push/);
  });

  it('git pull --rebase with local commits: post-rewrite verifies the remote part, local commits are not failures', async () => {
    const w = await world();
    const b = await w.clone('b');
    await w.commit(b, { 'dist/b-notes.txt': 'local work\n' }, 'local release file');
    await w.commit(b, { 'README.md': 'local readme\n' }, 'local readme');
    const v2 = await w.commit(a(w), { 'dist/app.txt': 'app v2\n' }, 'release v2');
    await w.gitOk(a(w), ['push', '-q', 'origin', 'main']);

    const pull = await w.git(b, ['pull', '--rebase', 'origin', 'main']);
    assert.equal(pull.code, 0, both(pull));
    assert.doesNotMatch(both(pull), /✖|FAILED/);
    assert.match(pull.stderr, /dist\/b-notes\.txt: local, will be signed on push/);
    assert.equal((await w.gitOk(b, ['rev-list', '--count', `${v2}..HEAD`])).trim(), '2', 'the local commits were replayed');

    // The same rebase over an unsigned remote change fails, naming the remote's file and not the local one.
    const c = await w.clone('c', { hooks: false });
    await w.commit(c, { 'dist/app.txt': 'tampered\n' }, 'unsigned');
    await w.gitOk(c, ['push', '-q', 'origin', 'main']);
    const bad = await w.git(b, ['pull', '--rebase', 'origin', 'main']);
    assert.match(bad.stderr, /kmssig post-rewrite: RELEASE FILES FAILED VERIFICATION/);
    assert.match(both(bad), /dist\/app\.txt\s+modified since/);
    assert.doesNotMatch(both(bad), /dist\/b-notes\.txt\s+(modified|not signed)/);
  });

  it('git pull that makes a real merge with local commits: the merge passes, the pulled parent is verified strictly', async () => {
    const w = await world();
    const b = await w.clone('b');
    await w.commit(b, { 'dist/local.txt': 'local\n' }, 'local release file');
    await w.commit(a(w), { 'dist/app.txt': 'app v2\n' }, 'release v2');
    await w.gitOk(a(w), ['push', '-q', 'origin', 'main']);
    const good = await w.git(b, ['pull', '--no-rebase', '--no-edit']);
    assert.equal(good.code, 0, both(good));
    assert.equal((await w.gitOk(b, ['rev-list', '--parents', '-1', 'HEAD'])).trim().split(' ').length, 3, 'a merge commit');
    assert.doesNotMatch(both(good), /✖|FAILED/);
    assert.match(good.stderr, /dist\/local\.txt: local, will be signed on push/);

    const c = await w.clone('c', { hooks: false });
    await w.commit(c, { 'dist/app.txt': 'tampered\n' }, 'unsigned');
    await w.gitOk(c, ['push', '-q', 'origin', 'main']);
    const bad = await w.git(b, ['pull', '--no-rebase', '--no-edit']);
    assert.match(bad.stderr, /RELEASE FILES FAILED VERIFICATION/);
    assert.match(both(bad), /dist\/app\.txt\s+modified since/);
    assert.doesNotMatch(both(bad), /dist\/local\.txt\s+(modified|not signed)/);
  });

  it('a fresh clone with the hooks active verifies its first checkout and fetches the notes itself', async () => {
    const w = await world();
    const hooksDir = join(a(w), '.git', 'hooks');
    const good = await w.git(w.root, ['clone', '-q', '-c', `core.hooksPath=${hooksDir}`, w.bare, join(w.root, 'd')]);
    assert.equal(good.code, 0, both(good));
    assert.doesNotMatch(both(good), /✖/);
    const fetched = await w.git(join(w.root, 'd'), ['notes', '--ref=refs/notes/remotes/origin/kmssig', 'list']);
    assert.equal(fetched.code, 0, 'post-checkout of the clone fetched the notes');
    assert.notEqual(fetched.stdout.trim(), '');

    const c = await w.clone('c', { hooks: false });
    await w.commit(c, { 'dist/app.txt': 'tampered\n' }, 'unsigned');
    await w.gitOk(c, ['push', '-q', 'origin', 'main']);
    const bad = await w.git(w.root, ['clone', '-q', '-c', `core.hooksPath=${hooksDir}`, w.bare, join(w.root, 'e')]);
    assert.notEqual(bad.code, 0, 'a clone whose checkout is unsigned fails');
    assert.match(bad.stderr, /kmssig post-checkout: RELEASE FILES FAILED VERIFICATION/);
    assert.match(both(bad), /dist\/app\.txt\s+modified since/);
  });

  it('history from before kmssig: checking out old commits with no config and no notes says nothing', async () => {
    const w = await world({ seed: false });
    const b = await w.clone('b');
    const old1 = await w.commit(b, { 'dist/app.txt': 'old 1\n' }, 'before kmssig 1');
    const old2 = await w.commit(b, { 'dist/app.txt': 'old 2\n' }, 'before kmssig 2');
    await w.gitOk(b, ['push', '-q', '-u', 'origin', 'main']);
    await w.commit(
      b,
      { '.kmssigrc': JSON.stringify({ keyId: 'alias/release', files: ['dist/**'] }), 'dist/app.txt': 'signed 3\n' },
      'adopt kmssig',
    );
    const push = await w.git(b, ['push', 'origin', 'main']);
    assert.equal(push.code, 0, both(push));
    assert.match(push.stderr, /signed 1 commit/);

    for (const old of [old1, old2]) {
      const r = await w.git(b, ['checkout', '-q', old]);
      assert.equal(r.code, 0, both(r));
      assert.equal(both(r), '', `nothing to say at ${old}`);
    }
    const back = await w.git(b, ['checkout', '-q', 'main']);
    assert.equal(back.code, 0, both(back));
    assert.doesNotMatch(both(back), /✖/);
    assert.equal(contexts(await w.remoteRecords((await w.gitOk(b, ['rev-parse', 'HEAD'])).trim()))[0]?.branch, 'main');
  });
});
