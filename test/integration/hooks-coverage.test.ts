import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { both, CONFIG, useHookWorlds, type HookWorld } from '../helpers/hookWorld.js';

/** A local bare repository with one commit, for `git submodule add` (git 2.39 needs protocol.file.allow). */
async function libRemote(w: HookWorld): Promise<string> {
  const work = join(w.root, 'lib');
  await w.gitOk(w.root, ['init', '-q', '-b', 'main', work]);
  await w.commit(work, { 'lib.js': 'lib v1\n' }, 'lib v1');
  const bare = join(w.root, 'lib.git');
  await w.gitOk(w.root, ['clone', '-q', '--bare', work, bare]);
  return bare;
}

const remoteHead = async (w: HookWorld) => (await w.gitOk(w.bare, ['rev-parse', 'main'])).trim();

/** pre-push and the verification hooks: what a pattern lists is signed or refused out loud (DESIGN 3.2). */
describe('hooks: listed submodules and empty patterns (moto, bare remote, real clones)', () => {
  const { world } = useHookWorlds();
  const a = (w: HookWorld) => join(w.root, 'a');

  it('pre-push refuses a submodule under a listed glob, naming it; the push does not happen', async () => {
    const w = await world();
    const before = await remoteHead(w);
    await w.gitOk(a(w), ['-c', 'protocol.file.allow=always', 'submodule', 'add', '-q', await libRemote(w), 'dist/lib']);
    await w.gitOk(a(w), ['commit', '-q', '--no-verify', '-m', 'add submodule']);
    const push = await w.git(a(w), ['push', 'origin', 'main']);
    assert.notEqual(push.code, 0, both(push));
    assert.match(
      push.stderr,
      /✖ "dist\/lib" at [0-9a-f]{12} is a submodule matched by the files patterns of \.kmssigrc: .*exclude: \["dist\/lib"\]/,
    );
    assert.equal(await remoteHead(w), before, 'the remote did not move');
  });

  it('pre-push refuses a typo pattern with an unsigned artifact beside it, naming the pattern', async () => {
    const w = await world();
    const before = await remoteHead(w);
    await w.commit(a(w), { '.kmssigrc': JSON.stringify({ ...CONFIG, files: ['dsit/**'] }), 'dist/app.txt': 'unsigned v2\n' }, 'typo');
    const push = await w.git(a(w), ['push', 'origin', 'main']);
    assert.notEqual(push.code, 0, both(push));
    assert.match(push.stderr, /✖ the files pattern "dsit\/\*\*" of \.kmssigrc matches no file at [0-9a-f]{12}/);
    assert.equal(await remoteHead(w), before);
  });

  it('an older commit of the pushed range may predate its files: signed, with a line; the tip is fully covered', async () => {
    const w = await world({ seed: false });
    const repo = await w.clone('a');
    const first = await w.commit(repo, { '.kmssigrc': JSON.stringify(CONFIG), 'README.md': 'readme\n' }, 'adopt kmssig');
    const second = await w.commit(repo, { 'dist/app.txt': 'app v1\n' }, 'first build');
    const push = await w.git(repo, ['push', '-u', 'origin', 'main']);
    assert.equal(push.code, 0, both(push));
    assert.match(
      push.stderr,
      new RegExp(`ℹ kmssig: ${first.slice(0, 12)}, an older commit of this push, was signed without files for the pattern "dist/\\*\\*"`),
    );
    assert.doesNotMatch(push.stderr, new RegExp(second.slice(0, 12)));
    assert.equal((await w.remoteRecords(first)).length, 1);
    assert.deepEqual(Object.keys((await w.remoteRecords(second))[0]!.files as object).sort(), ['.kmssigrc', 'dist/app.txt']);
    // The older commit is still reported where it is checked.
    const check = await w.kmssig(repo, ['check', '--rev', first, '--format', 'json']);
    assert.equal(check.code, 0, both(check));
    assert.deepEqual(
      JSON.parse(check.stdout).warnings.map((x: { pattern: string }) => x.pattern),
      ['dist/**'],
    );
  });

  it('an unsigned submodule pushed with --no-verify, then bumped: B’s pull names it as a failure', async () => {
    const w = await world();
    const b = await w.clone('b');
    const c = await w.clone('c', { hooks: false });
    await w.gitOk(c, ['-c', 'protocol.file.allow=always', 'submodule', 'add', '-q', await libRemote(w), 'dist/lib']);
    await w.gitOk(c, ['commit', '-q', '--no-verify', '-m', 'add submodule']);
    await w.commit(join(c, 'dist/lib'), { 'lib.js': 'lib v2, nobody signed this\n' }, 'lib change');
    await w.gitOk(c, ['add', 'dist/lib']);
    await w.gitOk(c, ['commit', '-q', '--no-verify', '-m', 'bump dist/lib']);
    await w.gitOk(c, ['push', '-q', '--no-verify', 'origin', 'main']);

    const pull = await w.git(b, ['pull', '--no-rebase', 'origin', 'main']);
    assert.match(pull.stderr, /RELEASE FILES FAILED VERIFICATION/);
    assert.match(both(pull), /dist\/lib\s+submodule, cannot be signed/);
    const check = await w.kmssig(b, ['check']);
    assert.equal(check.code, 1, both(check));
    assert.match(check.stderr, /failed verification: dist\/lib \(submodule, cannot be signed\)/);
  });
});
