import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from '../helpers/cli.js';
import { BIN_DIR } from '../helpers/git.js';
import { both, contexts, useHookWorlds, type HookWorld } from '../helpers/hookWorld.js';

/** The real managers: lefthook and simple-git-hooks from this project's devDependencies, pre-commit from Debian. */
const TOOLS = fileURLToPath(new URL('../../node_modules/.bin/', import.meta.url));
const PATH = `${BIN_DIR}:${TOOLS}:${process.env.PATH ?? ''}`;
const HOOKS = ['pre-push', 'post-merge', 'post-checkout', 'post-rewrite'];

interface Manager {
  name: string;
  file: string;
  /** The team's configuration before kmssig, with a comment and a pre-push command of its own that reads stdin when it can. */
  config: (log: string) => string;
  /** The manager's own set-up, as its docs say (what npm ci's postinstall or a README step runs). */
  setup: string[];
  /** simple-git-hooks has one command per hook: the team's own is on pre-commit, not pre-push. */
  noTeamPrePush?: boolean;
  /**
   * The manager's own install run again behind kmssig's guard (DESIGN 3.4, item 6; docs/decisions.md):
   * `guarded`, it works and the guard stays in front; `refused`, lefthook will not touch a local
   * core.hooksPath (kmssig install re-runs it behind the guard); `rewrites`, the pre-commit framework
   * writes its shims anew without kmssig's block, doctor says so, and the next kmssig run puts it back.
   */
  reinstall: 'guarded' | 'refused' | 'rewrites';
}

describe('kmssig with the hook managers teams use (real lefthook, simple-git-hooks, pre-commit)', () => {
  const { world } = useHookWorlds();
  const env = { PATH };
  const git = (w: HookWorld, cwd: string, args: string[]) => w.git(cwd, args, { env });
  const kmssig = (w: HookWorld, cwd: string, args: string[]) => w.kmssig(cwd, args, { env });
  const tool = (w: HookWorld, cwd: string, [cmd, ...args]: string[]) => run(cmd!, args, { cwd, env: { ...w.env, ...env } });

  async function flow(m: Manager, extra: (w: HookWorld, b: string, log: string) => Promise<void> = async () => {}) {
    const w = await world();
    const log = join(w.root, 'team.log');
    const b = await w.clone('b', { hooks: false });
    const configBefore = m.config(log);
    writeFileSync(join(b, m.file), configBefore);
    const setup = await tool(w, b, m.setup);
    assert.equal(setup.code, 0, both(setup));

    const install = await kmssig(w, b, ['install']);
    assert.equal(install.code, 0, both(install));
    assert.match(install.stderr, new RegExp(`${m.name}: kmssig added to ${m.file.replace('.', '\\.')}`));
    const configured = readFileSync(join(b, m.file), 'utf8');
    assert.ok(configured.includes(configBefore.trim().split('\n')[0]!), 'the team comment stays');
    assert.equal((await kmssig(w, b, ['install'])).code, 0);
    assert.equal(readFileSync(join(b, m.file), 'utf8'), configured, 'a second install changes nothing');

    // The manager installs again after kmssig: kmssig still runs first.
    const again = await tool(w, b, m.setup);
    if (m.reinstall === 'refused') {
      assert.notEqual(again.code, 0, both(again));
      assert.match(both(again), /core\.hooksPath is set locally/);
    } else assert.equal(again.code, 0, both(again));
    if (m.reinstall === 'rewrites') {
      const unguarded = await kmssig(w, b, ['doctor']);
      assert.equal(unguarded.code, 1, both(unguarded));
      assert.match(unguarded.stdout, /no guard in front of it/);
      // Any kmssig run puts the block back (here post-checkout, through the framework's entry; it shows a hook's output only on failure).
      const checkout = await git(w, b, ['checkout', '-q', 'main']);
      assert.equal(checkout.code, 0, both(checkout));
    }
    const doctor = await kmssig(w, b, ['doctor']);
    assert.equal(doctor.code, 0, both(doctor));
    for (const hook of HOOKS) assert.match(doctor.stdout, new RegExp(`✔ ${hook} +\\S+  via kmssig block`));

    // A push signs (the configuration goes with it, signed).
    const tip = await w.commit(b, { 'dist/app.txt': `from ${m.name}\n` }, 'release via manager');
    const push = await git(w, b, ['push', 'origin', 'main']);
    assert.equal(push.code, 0, both(push));
    assert.deepEqual(
      contexts(await w.remoteRecords(tip)).map((c) => c.branch),
      ['main'],
      `kmssig signed under ${m.name}`,
    );
    if (!m.noTeamPrePush) assert.match(readFileSync(log, 'utf8'), /team pre-push/, "the team's own pre-push still runs");
    await extra(w, b, log);

    // A teammate's fresh clone runs only the manager's own set-up: doctor says kmssig is not guarding it yet,
    // and the first hook that runs kmssig (here the pull) puts the guard in place, and verifies.
    const c = await w.clone('c', { hooks: false });
    assert.equal((await tool(w, c, m.setup)).code, 0);
    const teammate = await kmssig(w, c, ['doctor']);
    assert.equal(teammate.code, 1, both(teammate));
    assert.match(teammate.stdout, /kmssig is not installed in this clone/);
    const x = await w.clone('x', { hooks: false });
    await w.commit(x, { 'dist/app.txt': 'tampered\n' }, 'unsigned');
    await w.gitOk(x, ['push', '-q', 'origin', 'main']);
    for (const clone of [c, b]) {
      const pull = await git(w, clone, ['pull', '--no-rebase']);
      assert.match(pull.stderr + pull.stdout, /RELEASE FILES FAILED VERIFICATION/, `${m.name}: ${both(pull)}`);
      assert.match(both(pull), /dist\/app\.txt.*modified since/);
    }

    // uninstall leaves the manager's configuration as it was, byte for byte.
    const removed = await kmssig(w, b, ['uninstall']);
    assert.equal(removed.code, 0, both(removed));
    assert.equal(readFileSync(join(b, m.file), 'utf8'), configBefore);
    return { w, b };
  }

  it('lefthook 2.2.1: jobs in lefthook.yml, every ref line on stdin for kmssig and for the team job', async () => {
    await flow(
      {
        name: 'lefthook',
        file: 'lefthook.yml',
        config: (log) =>
          `# the team's hooks: comments and layout stay\npre-push:\n  parallel: true\n  jobs:\n    - name: team\n      run: 'echo "team pre-push" >> ${log}; cat >> ${log}'\n      use_stdin: true\n`,
        setup: ['lefthook', 'install'],
        reinstall: 'refused',
      },
      async (w, b, log) => {
        // Two refs at once, one a tag on an already pushed commit: both jobs read both lines, kmssig signs both refs.
        await w.gitOk(b, ['checkout', '-q', '-b', 'feature']);
        const feature = await w.commit(b, { 'dist/app.txt': 'feature\n' }, 'feature');
        await w.gitOk(b, ['tag', 'v2', 'main']);
        const push = await git(w, b, ['push', 'origin', 'feature', 'v2']);
        assert.equal(push.code, 0, both(push));
        // Behind the guard kmssig's job never starts: lefthook's parallel use_stdin jobs would split the lines.
        assert.match(both(push), /kmssig \(skip\) by condition/);
        assert.match(readFileSync(log, 'utf8'), /refs\/heads\/feature [0-9a-f]{40} refs\/heads\/feature 0{40}\nrefs\/tags\/v2 /);
        assert.deepEqual(
          contexts(await w.remoteRecords(feature)).map((c) => c.branch),
          ['feature'],
        );
        const main = (await w.gitOk(b, ['rev-parse', 'main'])).trim();
        assert.ok(
          contexts(await w.remoteRecords(main)).some((c) => c.tag === 'v2'),
          'the tag pushed with nothing new is signed too',
        );
        await w.gitOk(b, ['checkout', '-q', 'main']);
      },
    );
  });

  it("simple-git-hooks: entries in package.json's key; a hook the team already uses is never rewritten", async () => {
    const pkg = `{\n  "name": "app",\n  "private": true,\n  "simple-git-hooks": {\n    "pre-commit": "echo team pre-commit"\n  }\n}\n`;
    const { w } = await flow({
      name: 'simple-git-hooks',
      file: 'package.json',
      config: () => pkg,
      setup: ['simple-git-hooks'],
      noTeamPrePush: true,
      reinstall: 'guarded',
    });
    // A team pre-push command already there: install changes nothing, prints the entries to add, exit 2.
    const d = await w.clone('d', { hooks: false });
    const taken = `{\n  "simple-git-hooks": {\n    "pre-push": "npm test"\n  }\n}\n`;
    writeFileSync(join(d, 'package.json'), taken);
    const refused = await kmssig(w, d, ['install']);
    assert.equal(refused.code, 2, both(refused));
    assert.match(refused.stderr, /simple-git-hooks: kmssig will not edit package\.json \(it already has a pre-push command/);
    assert.match(refused.stderr, /"pre-push": "\[ \\"\$\{KMSSIG_GUARDED:-\}\\" = 1 \] \|\| \{ k=/);
    assert.equal(readFileSync(join(d, 'package.json'), 'utf8'), taken);
  });

  it('the pre-commit framework (Debian): a repo: local entry and default_install_hook_types; pre-push gets the first ref', async () => {
    await flow({
      name: 'pre-commit',
      file: '.pre-commit-config.yaml',
      config: (log) =>
        `# the team's pre-commit configuration\nrepos:\n  - repo: local\n    hooks:\n      - id: team\n        name: team\n        entry: sh -c 'echo "team pre-push" >> ${log}'\n        language: system\n        stages: [push]\n        pass_filenames: false\n        always_run: true\n`,
      setup: ['pre-commit', 'install'],
      reinstall: 'rewrites',
    });
  });
});
