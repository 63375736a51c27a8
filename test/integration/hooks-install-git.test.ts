import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { both, useHookWorlds } from '../helpers/hookWorld.js';

const HOOKS = ['pre-push', 'post-merge', 'post-checkout', 'post-rewrite'];

function writeHook(path: string, text: string | Buffer): void {
  writeFileSync(path, text);
  chmodSync(path, 0o755);
}
const bytesAndMode = (path: string) => `${(statSync(path).mode & 0o777).toString(8)} ${readFileSync(path, 'base64')}`;

/** Issue 13: install must never break ordinary git, nor write outside the repository. */
describe('kmssig install keeps git working: notes refspec, hooks in other languages, a global hooksPath, refused notes', () => {
  const { world } = useHookWorlds();

  it('fetch and pull keep working on remotes without notes (none yet, an upstream without kmssig, a deleted notes ref)', async () => {
    const w = await world({ seed: false });
    const b = await w.clone('b');
    const spec = (await w.gitOk(b, ['config', '--get-all', 'remote.origin.fetch'])).trim().split('\n');
    assert.deepEqual(spec, ['+refs/heads/*:refs/remotes/origin/*', '+refs/notes/kmssig*:refs/notes/remotes/origin/kmssig*']);
    // A remote with no commits and no notes yet.
    const first = await w.git(b, ['fetch']);
    assert.equal(first.code, 0, both(first));
    await w.commit(b, { 'README.md': 'hello\n' }, 'first');
    await w.gitOk(b, ['push', '-q', 'origin', 'main']);
    const c = await w.clone('c');
    for (const args of [['pull'], ['fetch', '--all'], ['fetch', '--prune', 'origin']]) {
      const r = await w.git(c, args);
      assert.equal(r.code, 0, `git ${args.join(' ')}: ${both(r)}`);
      assert.doesNotMatch(both(r), /fatal|couldn't find remote ref/);
    }
    // An upstream remote that does not use kmssig: install adds the refspec there too, and pulls still work.
    const upstream = join(w.root, 'upstream.git');
    await w.gitOk(w.root, ['clone', '-q', '--bare', w.bare, upstream]);
    await w.gitOk(c, ['remote', 'add', 'upstream', upstream]);
    assert.equal((await w.kmssig(c, ['install'])).code, 0);
    assert.match(
      await w.gitOk(c, ['config', '--get-all', 'remote.upstream.fetch']),
      /\+refs\/notes\/kmssig\*:refs\/notes\/remotes\/upstream\/kmssig\*/,
    );
    for (const args of [['fetch', '--all'], ['pull', 'upstream', 'main'], ['pull']]) {
      const r = await w.git(c, args);
      assert.equal(r.code, 0, `git ${args.join(' ')}: ${both(r)}`);
    }
    // Notes appear on origin (a signed push from b), then the remote's notes ref is deleted.
    await w.gitOk(b, ['config', 'user.name', 'B']);
    writeFileSync(join(b, '.kmssigrc'), JSON.stringify({ keyId: 'alias/release', files: ['dist/**'] }));
    await w.commit(b, { 'dist/app.txt': 'v1\n' }, 'release');
    await w.gitOk(b, ['push', '-q', 'origin', 'main']);
    assert.equal((await w.git(c, ['pull'])).code, 0);
    assert.ok((await w.gitOk(c, ['for-each-ref', 'refs/notes/remotes/origin/kmssig'])).trim(), 'the glob brought the notes');
    // Another notes ref matching the glob's prefix is fetched, but readers use only the exact name.
    await w.gitOk(w.bare, ['update-ref', 'refs/notes/kmssig-other', 'refs/notes/kmssig']);
    await w.gitOk(w.bare, ['update-ref', '-d', 'refs/notes/kmssig']);
    for (const args of [['pull'], ['fetch', '--all'], ['pull', 'upstream', 'main']]) {
      const r = await w.git(c, args);
      assert.equal(r.code, 0, `git ${args.join(' ')} after the notes ref was deleted: ${both(r)}`);
    }
    const log = await w.kmssig(c, ['check', '--no-fetch']);
    assert.equal(log.code, 0, both(log));
  });

  it('migrates the old exact refspec, and kmssig pushes and fetches its own notes as before', async () => {
    const w = await world();
    const b = await w.clone('b', { hooks: false });
    const old = '+refs/notes/kmssig:refs/notes/remotes/origin/kmssig';
    await w.gitOk(b, ['config', '--add', 'remote.origin.fetch', old]);
    const install = await w.kmssig(b, ['install']);
    assert.equal(install.code, 0, both(install));
    assert.match(install.stderr, /origin: the notes fetch refspec is now a pattern/);
    const specs = (await w.gitOk(b, ['config', '--get-all', 'remote.origin.fetch'])).trim().split('\n');
    assert.deepEqual(specs, ['+refs/heads/*:refs/remotes/origin/*', '+refs/notes/kmssig*:refs/notes/remotes/origin/kmssig*']);
    const tip = await w.commit(b, { 'dist/app.txt': 'v2\n' }, 'v2');
    const push = await w.git(b, ['push', 'origin', 'main']);
    assert.equal(push.code, 0, both(push));
    assert.equal((await w.remoteRecords(tip)).length, 1);
    const removed = await w.kmssig(b, ['uninstall']);
    assert.equal(removed.code, 0, both(removed));
    assert.equal((await w.gitOk(b, ['config', '--get-all', 'remote.origin.fetch'])).trim(), '+refs/heads/*:refs/remotes/origin/*');
  });

  it('a Python or Node hook is chained, not edited: it runs with the same arguments, stdin and exit status; uninstall restores it', async () => {
    const w = await world();
    const b = await w.clone('b', { hooks: false });
    const dir = join(b, '.git', 'hooks');
    const log = join(w.root, 'hook.log');
    const python = `#!/usr/bin/env python3\nimport sys\nopen(${JSON.stringify(log)}, "a").write("py " + " ".join(sys.argv[1:]) + "|" + sys.stdin.read())\nsys.exit(0)`;
    const node = `#!/usr/bin/env node\nrequire("fs").appendFileSync(${JSON.stringify(log)}, "node " + process.argv.slice(2).join(" ") + "\\n");\n`;
    writeHook(join(dir, 'pre-push'), python); // no final newline
    writeHook(join(dir, 'post-checkout'), node);
    const before = { push: bytesAndMode(join(dir, 'pre-push')), checkout: bytesAndMode(join(dir, 'post-checkout')) };
    const install = await w.kmssig(b, ['install']);
    assert.equal(install.code, 0, both(install));
    assert.match(install.stdout, /chained +\.git\/hooks\/pre-push/);
    assert.match(install.stderr, /pre-push is not an sh script: it was moved to \.git\/hooks\/pre-push\.kmssig-chained/);
    assert.equal(bytesAndMode(join(dir, 'pre-push.kmssig-chained')), before.push, 'the Python hook itself is unchanged');
    assert.equal((await w.kmssig(b, ['install'])).stdout.match(/unchanged/g)?.length, 4, 'a second install changes nothing');

    await w.gitOk(b, ['checkout', '-q', '-b', 'topic']);
    const tip = await w.commit(b, { 'dist/app.txt': 'b\n' }, 'b');
    const push = await w.git(b, ['push', 'origin', 'topic']);
    assert.equal(push.code, 0, both(push));
    assert.equal((await w.remoteRecords(tip)).length, 1, 'kmssig signed');
    const ran = readFileSync(log, 'utf8');
    assert.match(ran, /node [0-9a-f]{40} [0-9a-f]{40} 1\n/);
    assert.match(
      ran,
      new RegExp(`py origin ${w.bare.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\|refs/heads/topic ${tip} refs/heads/topic 0{40}\\n`),
    );

    // The chained hook's exit status is kept: a refusing Python hook blocks the push.
    writeHook(
      join(dir, 'pre-push.kmssig-chained'),
      '#!/usr/bin/env python3\nimport sys\nprint("team hook says no", file=sys.stderr)\nsys.exit(3)\n',
    );
    await w.commit(b, { 'other.txt': 'x\n' }, 'x');
    const refused = await w.git(b, ['push', 'origin', 'topic']);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /team hook says no/);
    writeHook(join(dir, 'pre-push.kmssig-chained'), python);

    const removed = await w.kmssig(b, ['uninstall']);
    assert.equal(removed.code, 0, both(removed));
    assert.equal(bytesAndMode(join(dir, 'pre-push')), before.push, 'restored byte for byte, without a final newline');
    assert.equal(bytesAndMode(join(dir, 'post-checkout')), before.checkout);
    assert.equal(existsSync(join(dir, 'pre-push.kmssig-chained')), false);
    assert.deepEqual(
      readdirSync(dir)
        .filter((f) => HOOKS.includes(f))
        .sort(),
      ['post-checkout', 'pre-push'],
    );
  });

  it('a lone shebang without a newline comes back byte for byte', async () => {
    const w = await world();
    const b = await w.clone('b', { hooks: false });
    const file = join(b, '.git', 'hooks', 'post-merge');
    writeHook(file, '#!/bin/sh');
    const before = bytesAndMode(file);
    assert.equal((await w.kmssig(b, ['install'])).code, 0);
    assert.match(readFileSync(file, 'utf8'), /^#!\/bin\/sh\n# >>> kmssig >>>/);
    assert.equal((await w.kmssig(b, ['uninstall'])).code, 0);
    assert.equal(bytesAndMode(file), before);
  });

  it('a global core.hooksPath is never written to: the repository chains to it, and unrelated repositories keep working', async () => {
    const w = await world();
    const globalHooks = join(w.root, 'global-hooks');
    mkdirSync(globalHooks);
    const log = join(w.root, 'global.log');
    writeHook(join(globalHooks, 'pre-push'), `#!/bin/sh\necho "global pre-push $1" >> "${log}"\ncat >> "${log}"\n`);
    writeHook(join(globalHooks, 'commit-msg'), `#!/bin/sh\necho "global commit-msg" >> "${log}"\n`);
    const gitconfig = join(w.root, 'home', '.gitconfig');
    writeFileSync(gitconfig, `[core]\n\thooksPath = ${globalHooks}\n`);
    const env = { GIT_CONFIG_GLOBAL: gitconfig };
    const snapshot = () => readdirSync(globalHooks).map((f) => `${f} ${bytesAndMode(join(globalHooks, f))}`);
    const globalBefore = snapshot();

    const b = join(w.root, 'b');
    await w.gitOk(w.root, ['clone', '-q', w.bare, b], { env });
    const install = await w.kmssig(b, ['install'], { env });
    assert.equal(install.code, 0, both(install));
    assert.match(install.stderr, /core\.hooksPath is set in your global git config .*kmssig does not write there/);
    assert.deepEqual(snapshot(), globalBefore, 'the global folder is untouched');
    const own = join(b, '.git', 'kmssig-hooks');
    assert.equal((await w.gitOk(b, ['config', '--local', 'core.hooksPath'], { env })).trim(), own);
    assert.deepEqual(readdirSync(own).sort(), ['commit-msg', ...HOOKS].sort());

    // kmssig signs, then the global pre-push runs with the same stdin; the global commit-msg still runs.
    const tip = await w.commit(b, { 'dist/app.txt': 'b\n' }, 'b');
    await w.gitOk(b, ['commit', '-q', '--allow-empty', '-m', 'with hooks'], { env });
    const push = await w.git(b, ['push', 'origin', 'main'], { env });
    assert.equal(push.code, 0, both(push));
    assert.equal((await w.remoteRecords(tip)).length, 1, 'kmssig signed the release commit of the push');
    const ran = readFileSync(log, 'utf8');
    assert.match(ran, /global commit-msg\n/);
    assert.match(ran, /global pre-push origin\nrefs\/heads\/main [0-9a-f]{40} refs\/heads\/main [0-9a-f]{40}\n/);

    // An unrelated repository with the same global config: its pushes are not touched by kmssig.
    const other = join(w.root, 'other');
    const otherBare = join(w.root, 'other.git');
    await w.gitOk(w.root, ['init', '-q', '--bare', otherBare]);
    await w.gitOk(w.root, ['clone', '-q', otherBare, other], { env });
    await w.commit(other, { 'x.txt': 'x\n' }, 'x');
    const otherPush = await w.git(other, ['push', 'origin', 'HEAD'], { env: { ...env, PATH: '/usr/bin:/bin' } });
    assert.equal(otherPush.code, 0, both(otherPush));
    assert.doesNotMatch(both(otherPush), /kmssig: |not found/);

    const removed = await w.kmssig(b, ['uninstall'], { env });
    assert.equal(removed.code, 0, both(removed));
    assert.equal(existsSync(own), false);
    assert.equal((await w.git(b, ['config', '--local', 'core.hooksPath'], { env })).code, 1, 'the local core.hooksPath is gone');
    assert.deepEqual(snapshot(), globalBefore);
  });

  it("a server that refuses refs/notes/kmssig: the push says the server's reason at once, and is not retried as a race", async () => {
    const w = await world();
    const b = await w.clone('b');
    writeHook(
      join(w.bare, 'hooks', 'pre-receive'),
      '#!/bin/sh\nwhile read old new ref; do\n  case "$ref" in refs/notes/*) echo "notes are protected on this host (rule 42)" >&2; exit 1;; esac\ndone\n',
    );
    await w.commit(b, { 'dist/app.txt': 'b\n' }, 'b');
    const push = await w.git(b, ['push', 'origin', 'main']);
    assert.notEqual(push.code, 0, both(push));
    assert.match(
      push.stderr,
      /could not publish refs\/notes\/kmssig to origin: the server refused it \(pre-receive hook declined\), saying: notes are protected on this host \(rule 42\)/,
    );
    assert.doesNotMatch(push.stderr, /race|attempts/);
  });
});
