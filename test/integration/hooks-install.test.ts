import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from '../helpers/cli.js';
import { both, useHookWorlds, type HookWorld } from '../helpers/hookWorld.js';

const HUSKY = fileURLToPath(new URL('../../node_modules/husky/bin.js', import.meta.url));
const HOOKS = ['pre-push', 'post-merge', 'post-checkout', 'post-rewrite'];

/** Every file under a folder with its bytes and mode: what "changes nothing" and "byte for byte" compare. */
function snapshot(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const path = join(d, name);
      const info = statSync(path);
      if (info.isDirectory()) walk(path);
      else files.set(relative(dir, path), `${(info.mode & 0o777).toString(8)} ${readFileSync(path, 'base64')}`);
    }
  };
  if (existsSync(dir)) walk(dir);
  return files;
}

function writeHook(path: string, text: string): void {
  writeFileSync(path, text);
  chmodSync(path, 0o755);
}

/** A user's own hook: appends its name and what it read on stdin (pre-push) to a log outside the clone. */
const userHook = (log: string, name: string, readsStdin = false) =>
  `#!/bin/sh\n# the team's own ${name} hook\n${readsStdin ? `cat >> "${log}"\n` : ''}echo "${name} ran" >> "${log}"\n`;

describe('kmssig install / uninstall with existing hooks, husky and core.hooksPath', () => {
  const { world } = useHookWorlds();

  /**
   * The shared scenario: user hooks exist in `dir` (post-checkout and pre-push, pre-push reads stdin);
   * install keeps them running, a second install changes nothing, uninstall restores them byte for byte.
   */
  async function keepsUserHooks(w: HookWorld, b: string, dir: string, kind: { husky?: boolean } = {}) {
    const log = join(w.root, 'user-hooks.log');
    mkdirSync(dir, { recursive: true });
    writeHook(join(dir, 'post-checkout'), userHook(log, 'post-checkout'));
    writeHook(join(dir, 'pre-push'), userHook(log, 'pre-push', true));
    const outside = kind.husky ? snapshot(join(dir, '_')) : undefined;
    const before = snapshot(dir);
    const fetchBefore = await w.gitOk(b, ['config', '--get-all', 'remote.origin.fetch']);

    const first = await w.kmssig(b, ['install']);
    assert.equal(first.code, 0, both(first));
    for (const hook of HOOKS)
      assert.match(first.stdout, new RegExp(`(created|added) +${relative(b, join(dir, hook)).replace(/\./g, '\\.')}\\n`));
    const installed = snapshot(dir);
    const fetchInstalled = await w.gitOk(b, ['config', '--get-all', 'remote.origin.fetch']);
    assert.match(fetchInstalled, /\+refs\/notes\/kmssig\*:refs\/notes\/remotes\/origin\/kmssig\*/);
    const second = await w.kmssig(b, ['install']);
    assert.equal(second.code, 0, both(second));
    assert.deepEqual(snapshot(dir), installed, 'a second install changes no file');
    assert.equal(await w.gitOk(b, ['config', '--get-all', 'remote.origin.fetch']), fetchInstalled, 'nor the fetch refspecs');
    for (const hook of HOOKS) assert.match(second.stdout, new RegExp(`unchanged +\\S*${hook}\\n`));
    if (outside) assert.deepEqual(snapshot(join(dir, '_')), outside, "husky's own .husky/_ is never edited");

    // Both the user's hooks and kmssig run: a local release change is reported, the push is signed.
    await w.commit(b, { 'dist/app.txt': 'from b\n' }, 'b release');
    const checkout = await w.git(b, ['checkout', '-b', 'topic']);
    assert.equal(checkout.code, 0, both(checkout));
    assert.match(checkout.stderr, /dist\/app\.txt: local, will be signed on push/);
    const push = await w.git(b, ['push', 'origin', 'topic']);
    assert.equal(push.code, 0, both(push));
    const tip = (await w.gitOk(b, ['rev-parse', 'HEAD'])).trim();
    const [record] = await w.remoteRecords(tip);
    assert.equal((record?.context as Record<string, string>).branch, 'topic', 'kmssig signed the push');
    const ran = readFileSync(log, 'utf8');
    assert.match(ran, /post-checkout ran/);
    assert.match(ran, new RegExp(`refs/heads/topic ${tip} refs/heads/topic 0{40}\\npre-push ran`), 'the user pre-push read the ref line');

    const removed = await w.kmssig(b, ['uninstall']);
    assert.equal(removed.code, 0, both(removed));
    assert.deepEqual(snapshot(dir), before, 'uninstall restores every hook byte for byte (and mode) and removes the files install created');
    if (outside) assert.deepEqual(snapshot(join(dir, '_')), outside);
    assert.equal(await w.gitOk(b, ['config', '--get-all', 'remote.origin.fetch']), fetchBefore, 'and removes the notes refspec');
  }

  it('plain .git/hooks: existing hooks keep running, install twice changes nothing, uninstall restores bytes', async () => {
    const w = await world();
    const b = await w.clone('b', { hooks: false });
    await keepsUserHooks(w, b, join(b, '.git', 'hooks'));
  });

  it('husky v9: kmssig edits .husky/<hook>, never .husky/_, and hooks run through husky', async () => {
    const w = await world();
    const b = await w.clone('b', { hooks: false });
    const installHusky = await runNode(w, b, [HUSKY]);
    assert.equal(installHusky.code, 0, both(installHusky));
    assert.equal((await w.gitOk(b, ['config', 'core.hooksPath'])).trim(), '.husky/_');
    await keepsUserHooks(w, b, join(b, '.husky'), { husky: true });
  });

  it('a custom core.hooksPath folder is honoured', async () => {
    const w = await world();
    const b = await w.clone('b', { hooks: false });
    await w.gitOk(b, ['config', 'core.hooksPath', 'githooks']);
    await keepsUserHooks(w, b, join(b, 'githooks'));
    assert.equal(existsSync(join(b, '.git', 'hooks', 'pre-push')), false, 'nothing went to .git/hooks');
  });

  it('a linked worktree: install uses the shared hooks folder, and the hooks run in the worktree', async () => {
    const w = await world();
    const b = await w.clone('b', { hooks: false });
    const wt = join(w.root, 'b-wt');
    await w.gitOk(b, ['worktree', 'add', '-q', '-b', 'wt', wt]);
    const install = await w.kmssig(wt, ['install']);
    assert.equal(install.code, 0, both(install));
    for (const hook of HOOKS) assert.match(readFileSync(join(b, '.git', 'hooks', hook), 'utf8'), /# >>> kmssig >>>/);
    assert.equal(existsSync(join(b, '.git', 'worktrees', 'b-wt', 'hooks')), false);

    const c = await w.clone('c', { hooks: false });
    const bad = await w.commit(c, { 'dist/app.txt': 'tampered\n' }, 'unsigned');
    await w.gitOk(c, ['push', '-q', 'origin', 'main']);
    await w.gitOk(wt, ['fetch', '-q', 'origin']);
    const r = await w.git(wt, ['checkout', '-q', bad]);
    assert.notEqual(r.code, 0, both(r));
    assert.match(both(r), /dist\/app\.txt\s+modified since/);
  });

  it("pre-push: a command after kmssig's block that reads stdin sees every line, and kmssig signs every ref", async () => {
    const w = await world();
    const b = await w.clone('b', { hooks: false });
    const seen = join(w.root, 'seen.txt');
    writeHook(join(b, '.git', 'hooks', 'pre-push'), `#!/bin/sh\ncat > "${seen}"\n`);
    const install = await w.kmssig(b, ['install']);
    assert.equal(install.code, 0, both(install));
    const text = readFileSync(join(b, '.git', 'hooks', 'pre-push'), 'utf8');
    assert.ok(text.indexOf('# >>> kmssig >>>') < text.indexOf('cat >'), 'the block comes before the command that reads stdin');

    const main = await w.commit(b, { 'dist/app.txt': 'main 2\n' }, 'main');
    await w.gitOk(b, ['checkout', '-q', '-b', 'feature']);
    const feature = await w.commit(b, { 'dist/app.txt': 'feature\n' }, 'feature');
    await w.gitOk(b, ['tag', 'v2.0.0', feature]);
    const push = await w.git(b, ['push', 'origin', 'main', 'feature', 'v2.0.0']);
    assert.equal(push.code, 0, both(push));
    const lines = readFileSync(seen, 'utf8').trim().split('\n').sort();
    assert.deepEqual(lines, [
      `refs/heads/feature ${feature} refs/heads/feature ${'0'.repeat(40)}`,
      `refs/heads/main ${main} refs/heads/main ${lines[1]!.split(' ')[3]}`,
      `refs/tags/v2.0.0 ${feature} refs/tags/v2.0.0 ${'0'.repeat(40)}`,
    ]);
    assert.match(lines[1]!, /^refs\/heads\/main [0-9a-f]{40} refs\/heads\/main (?!0{40})[0-9a-f]{40}$/);
    const refsAt = async (commit: string) =>
      (await w.remoteRecords(commit))
        .map((r) => {
          const c = r.context as Record<string, string>;
          return c.branch ?? `tag:${c.tag}`;
        })
        .sort();
    // main's commit is also part of the new branch's pushed range, so it is signed for both.
    assert.deepEqual(await refsAt(main), ['feature', 'main']);
    assert.deepEqual(await refsAt(feature), ['feature', 'tag:v2.0.0']);
    assert.deepEqual(readdirSync(join(w.root, 'tmp')), [], 'the saved stdin is removed');
  });

  it('husky: a blocked push says why in one line and leaves no temp file; a kmssig that is gone is named, not silent', async () => {
    const w = await world();
    const b = await w.clone('b', { hooks: false });
    assert.equal((await runNode(w, b, [HUSKY])).code, 0);
    assert.equal((await w.kmssig(b, ['install'])).code, 0);
    await w.commit(b, { 'dist/app.txt': 'unsignable\n' }, 'release');
    const dead = { AWS_ENDPOINT_URL_KMS: 'http://127.0.0.1:9', AWS_MAX_ATTEMPTS: '1' };
    const blocked = await w.git(b, ['push', 'origin', 'main'], { env: dead });
    assert.notEqual(blocked.code, 0, both(blocked));
    assert.match(blocked.stderr, /✖ .*KMS .*failed/);
    assert.deepEqual(readdirSync(join(w.root, 'tmp')), [], 'no saved stdin is left behind when the hook fails under sh -e');

    // The hooks run the kmssig fixed at install: no kmssig on PATH changes nothing (DESIGN 3.4, item 6).
    const bare = { PATH: '/usr/bin:/bin' };
    const checkout = await w.git(b, ['checkout', '-b', 'x'], { env: bare });
    assert.equal(checkout.code, 0, both(checkout));
    assert.match(checkout.stderr, /dist\/app\.txt: local, will be signed on push/);
    // That kmssig gone: each hook says so in one line and fails as a failed verification does.
    rmSync(join(b, '.git', 'kmssig-bin', 'kmssig'));
    const gone = await w.git(b, ['checkout', '-b', 'y'], { env: bare });
    assert.notEqual(gone.code, 0, both(gone));
    assert.match(gone.stderr, /✖ kmssig: post-checkout could not run kmssig .*nothing was verified or signed; run 'npx kmssig install'/);
    const push = await w.git(b, ['push', 'origin', 'y'], { env: bare });
    assert.notEqual(push.code, 0);
    assert.match(push.stderr, /✖ kmssig: pre-push could not run kmssig .*nothing was verified or signed/);
    assert.equal((await w.gitOk(b, ['ls-remote', 'origin', 'refs/heads/y'])).trim(), '', 'the push was refused');
  });
});

/** Runs a node script (husky's bin) inside a clone, as `npx husky` would. */
const runNode = (w: HookWorld, cwd: string, args: string[]) => run(process.execPath, args, { cwd, env: w.env });
