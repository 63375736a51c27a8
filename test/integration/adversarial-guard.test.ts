import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from '../helpers/cli.js';
import { BIN_DIR } from '../helpers/git.js';
import { both, useHookWorlds, type HookWorld } from '../helpers/hookWorld.js';

/**
 * DESIGN 3.4, item 6: the guard is not chosen by the tree it guards. An
 * attacker who can push but not sign removes kmssig from the committed hook
 * configuration in the same commit that changes a release file; git runs the
 * hooks as the pulled tree describes them, so without a guard outside the tree
 * the pull that carries the attack would be silent. With the real managers:
 * husky 9, lefthook 2.2.1 and simple-git-hooks 2.14.0 from this project's
 * devDependencies, the pre-commit framework from Debian.
 */
const TOOLS = fileURLToPath(new URL('../../node_modules/.bin/', import.meta.url));
const HUSKY = fileURLToPath(new URL('../../node_modules/husky/bin.js', import.meta.url));
const PATH = `${BIN_DIR}:${TOOLS}:${process.env.PATH ?? ''}`;
const FAILED = /RELEASE FILES FAILED VERIFICATION/;

interface Manager {
  name: string;
  /** The team's hook configuration before kmssig (the attacker puts it back, without kmssig). */
  files: Record<string, string>;
  /** The manager's own set-up (what npm ci's prepare or postinstall, or a README step, runs). */
  setup: string[];
  /** The attack on the committed configuration: kmssig's entries gone. */
  strip: (repo: string) => void;
}

const MANAGERS: Manager[] = [
  {
    name: 'husky',
    files: { 'package.json': '{ "name": "app", "private": true }\n' },
    setup: [process.execPath, HUSKY],
    strip: (repo) => {
      for (const hook of ['post-merge', 'post-checkout', 'post-rewrite', 'pre-push']) rmSync(join(repo, '.husky', hook), { force: true });
    },
  },
  {
    name: 'lefthook',
    files: { 'lefthook.yml': '# the team\npre-commit:\n  jobs:\n    - name: team\n      run: "true"\n' },
    setup: ['lefthook', 'install'],
    strip: (repo) => writeFileSync(join(repo, 'lefthook.yml'), '# the team\npre-commit:\n  jobs:\n    - name: team\n      run: "true"\n'),
  },
  {
    name: 'simple-git-hooks',
    files: { 'package.json': '{\n  "name": "app",\n  "simple-git-hooks": {\n    "pre-commit": "true"\n  }\n}\n' },
    setup: ['simple-git-hooks'],
    strip: (repo) =>
      writeFileSync(join(repo, 'package.json'), '{\n  "name": "app",\n  "simple-git-hooks": {\n    "pre-commit": "true"\n  }\n}\n'),
  },
  {
    name: 'pre-commit',
    files: {
      '.pre-commit-config.yaml':
        'repos:\n  - repo: local\n    hooks:\n      - id: team\n        name: team\n        entry: "true"\n        language: system\n        pass_filenames: false\n',
    },
    setup: ['pre-commit', 'install'],
    strip: (repo) =>
      writeFileSync(
        join(repo, '.pre-commit-config.yaml'),
        'repos:\n  - repo: local\n    hooks:\n      - id: team\n        name: team\n        entry: "true"\n        language: system\n        pass_filenames: false\n',
      ),
  },
];

describe('the guard the pulled tree cannot silence (DESIGN 3.4, item 6)', () => {
  const { world } = useHookWorlds();
  const env = { PATH };
  const git = (w: HookWorld, cwd: string, args: string[]) => w.git(cwd, args, { env });
  const kmssig = (w: HookWorld, cwd: string, args: string[]) => w.kmssig(cwd, args, { env });
  const tool = (w: HookWorld, cwd: string, [cmd, ...args]: string[]) => run(cmd!, args, { cwd, env: { ...w.env, ...env } });

  /** A team on the manager: b sets it up with kmssig and pushes (signed); c is a teammate who set up the same way. */
  async function team(m: Manager) {
    const w = await world();
    const b = await w.clone('b', { hooks: false });
    for (const [file, text] of Object.entries(m.files)) writeFileSync(join(b, file), text);
    assert.equal((await tool(w, b, m.setup)).code, 0);
    const install = await kmssig(w, b, ['install']);
    assert.equal(install.code, 0, both(install));
    await w.gitOk(b, ['add', '-A']);
    await w.gitOk(b, ['commit', '-q', '--no-verify', '-m', `hooks through ${m.name}`]);
    const push = await git(w, b, ['push', 'origin', 'main']);
    assert.equal(push.code, 0, both(push));
    const c = await w.clone('c', { hooks: false });
    assert.equal((await tool(w, c, m.setup)).code, 0);
    assert.equal((await kmssig(w, c, ['install'])).code, 0);
    const x = await w.clone('x', { hooks: false });
    return { w, b, c, x };
  }

  /** The attacker's unsigned commit: kmssig stripped from the hook configuration, a release file changed. */
  async function attack(w: HookWorld, x: string, m: Manager, content: string, branch = 'main') {
    await w.gitOk(x, ['checkout', '-q', '-B', branch, 'origin/main']);
    m.strip(x);
    await w.commit(x, { 'dist/app.txt': content }, 'innocent cleanup');
    await w.gitOk(x, ['add', '-A']);
    await w.gitOk(x, ['commit', '-q', '--no-verify', '--allow-empty', '-m', 'hooks cleanup']);
    await w.gitOk(x, ['push', '-q', '--no-verify', '--force', 'origin', branch]);
  }

  for (const m of MANAGERS) {
    it(`${m.name}: the pull and the checkout that strip kmssig from the hooks are flagged, and so is the next one after the team's re-install`, async () => {
      const { w, c, x } = await team(m);
      // A checkout of a branch that strips kmssig (a pull request under review).
      await attack(w, x, m, 'evil on a branch\n', 'topic');
      await w.gitOk(c, ['fetch', '-q', 'origin']);
      const checkout = await git(w, c, ['checkout', '-q', '-b', 'topic', 'origin/topic']);
      assert.match(both(checkout), FAILED, `${m.name} checkout: ${both(checkout)}`);
      assert.match(both(checkout), /dist\/app\.txt.*modified since/);
      await w.gitOk(c, ['checkout', '-q', 'main']);

      // The pull itself.
      await attack(w, x, m, 'evil\n');
      const pull = await git(w, c, ['pull', '-q', '--no-rebase', 'origin', 'main']);
      assert.match(both(pull), FAILED, `${m.name} pull: ${both(pull)}`);
      assert.match(both(pull), /dist\/app\.txt.*modified since/);

      // The team's usual re-install step, then the next attack: still flagged.
      await tool(w, c, m.setup);
      await attack(w, x, m, 'evil again\n');
      const next = await git(w, c, ['pull', '-q', '--no-rebase', 'origin', 'main']);
      // (The pre-commit framework's install of the hook types it is told writes its shims anew: that window is
      // hooks-install-managers.test.ts's, where doctor names it and the next kmssig run closes it.)
      assert.match(both(next), FAILED, `${m.name} after re-install: ${both(next)}`);
    });
  }

  it('plain hooks and husky: a tracked node_modules/.bin/kmssig never runs, and the pull is flagged', async () => {
    for (const m of [undefined, MANAGERS[0]!]) {
      const w = await world();
      const c = await w.clone('c', { hooks: false });
      if (m) {
        for (const [file, text] of Object.entries(m.files)) writeFileSync(join(c, file), text);
        assert.equal((await tool(w, c, m.setup)).code, 0);
      }
      assert.equal((await kmssig(w, c, ['install'])).code, 0);
      if (m) {
        // The team commits husky's files (signed), so that what follows changes only node_modules and the release.
        await w.gitOk(c, ['add', '-A']);
        await w.gitOk(c, ['commit', '-q', '--no-verify', '-m', 'husky']);
        assert.equal((await git(w, c, ['push', '-q', 'origin', 'main'])).code, 0);
      }
      const x = await w.clone('x', { hooks: false });
      if (m) await w.gitOk(x, ['pull', '-q']);
      const marker = join(w.root, 'attacker-ran');
      mkdirSync(join(x, 'node_modules', '.bin'), { recursive: true });
      const fake = join(x, 'node_modules', '.bin', 'kmssig');
      writeFileSync(fake, `#!/bin/sh\necho ran > ${JSON.stringify(marker)}\nexit 0\n`);
      chmodSync(fake, 0o755);
      await w.gitOk(x, ['add', '-f', 'node_modules/.bin/kmssig']);
      await w.commit(x, { 'dist/app.txt': 'evil\n' }, 'tooling');
      await w.gitOk(x, ['push', '-q', '--no-verify', 'origin', 'main']);
      const pull = await git(w, c, ['pull', '-q', '--no-rebase']);
      assert.match(both(pull), FAILED, both(pull));
      assert.equal(existsSync(marker), false, `the tracked node_modules/.bin/kmssig ran (${m?.name ?? 'plain hooks'})`);
    }
  });

  it('the honest side: a signed change to the hook configuration raises no alarm on any clone', async () => {
    const m = MANAGERS[1]!; // lefthook
    const { w, b, c } = await team(m);
    const config = readFileSync(join(b, 'lefthook.yml'), 'utf8');
    writeFileSync(join(b, 'lefthook.yml'), config.replace('# the team\n', '# the team, now with a second job\n'));
    await w.gitOk(b, ['commit', '-q', '-am', 'hooks: a comment']);
    const push = await git(w, b, ['push', 'origin', 'main']);
    assert.equal(push.code, 0, both(push));
    const pull = await git(w, c, ['pull', '-q', '--no-rebase']);
    assert.equal(pull.code, 0, both(pull));
    assert.doesNotMatch(both(pull), /✖|FAILED/, both(pull));
    const doctor = await kmssig(w, c, ['doctor']);
    assert.equal(doctor.code, 0, both(doctor));
  });
});
