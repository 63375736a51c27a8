import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import yaml from 'js-yaml';
import { isShellHook, withBlock, withoutBlock } from '../../../src/hooks/hookBlock.js';
import { lefthookJob, planLefthook } from '../../../src/hooks/managers/lefthook.js';
import { planPreCommit, stageOf } from '../../../src/hooks/managers/preCommit.js';
import { planSimpleGitHooks, removeSimpleGitHooks } from '../../../src/hooks/managers/simpleGitHooks.js';
import { removeMarked } from '../../../src/hooks/managers/textBlocks.js';

const HOOKS = ['pre-push', 'post-merge', 'post-checkout', 'post-rewrite'];
const textOf = (p: { text: string } | { unsafe: string }) => {
  assert.ok('text' in p, JSON.stringify(p));
  return p.text;
};

describe('hook files: the block, a lone shebang, other languages', () => {
  it('a lone shebang without a newline comes back byte for byte', () => {
    for (const before of ['#!/bin/sh', '#!/bin/bash -e', 'echo no shebang, no newline', '#!/bin/sh\necho x']) {
      const after = withBlock(before, 'kmssig stuff\n');
      assert.notEqual(after, before);
      assert.equal(withoutBlock(after), before, JSON.stringify(before));
      assert.equal(withBlock(after, 'kmssig stuff\n'), after, 'idempotent');
    }
  });
  it('tells sh hooks from hooks in other languages', () => {
    for (const sh of [
      '#!/bin/sh\n',
      '#!/usr/bin/env bash\n',
      '#!/bin/dash -e\n',
      'no shebang: git and husky use sh\n',
      '#!/usr/bin/env -S bash -e\n',
    ])
      assert.equal(isShellHook(sh), true, sh);
    for (const other of ['#!/usr/bin/env python3\n', '#!/usr/bin/env node', '#!/usr/bin/perl\n', '#!/usr/bin/env zsh\n', 'ELF\0binary'])
      assert.equal(isShellHook(other), false, other);
  });
});

describe('lefthook.yml edits', () => {
  it('appends hooks it lacks, inserts into an existing jobs list or commands map, keeps comments, and removes byte for byte', () => {
    const before =
      '# team comment\npre-push:\n  parallel: true # inline comment\n  jobs:\n    # about the job\n    - name: test\n      run: npm test\n\npost-checkout:\n  commands:\n    deps:\n      run: npm ci\n';
    const after = textOf(planLefthook(before, HOOKS));
    assert.ok(
      after.startsWith('# team comment\npre-push:\n  parallel: true # inline comment\n  jobs:\n    # about the job\n    # >>> kmssig >>>'),
    );
    const parsed = yaml.load(after) as Record<string, { jobs?: unknown[]; commands?: Record<string, unknown> }>;
    assert.deepEqual(parsed['pre-push']!.jobs, [lefthookJob('pre-push'), { name: 'test', run: 'npm test' }]);
    assert.deepEqual(Object.keys(parsed['post-checkout']!.commands!), ['kmssig', 'deps']);
    assert.deepEqual(parsed['post-merge']!.jobs, [lefthookJob('post-merge')]);
    assert.equal(removeMarked(after), before);
    assert.equal(textOf(planLefthook(after, HOOKS)), after, 'a second install changes nothing');
  });
  it('a file without a final newline comes back without one', () => {
    const before = 'pre-commit:\n  jobs:\n    - run: lint';
    assert.equal(removeMarked(textOf(planLefthook(before, HOOKS))), before);
  });
  it('refuses what it cannot edit safely: unparseable, flow style, a hook with neither jobs nor commands', () => {
    for (const bad of ['pre-push: [unclosed\n', 'pre-push: {jobs: [{run: x}]}\n', 'pre-push:\n  parallel: true\n', '- a list\n'])
      assert.ok('unsafe' in planLefthook(bad, HOOKS), bad);
  });
});

describe('.pre-commit-config.yaml edits', () => {
  it('appends a repo: local entry at the list indentation and default_install_hook_types; removes byte for byte', () => {
    for (const before of [
      'repos:\n- repo: https://example.invalid/hooks\n  rev: v1\n  hooks:\n  - id: x\n# trailing comment\n',
      'default_stages: [commit]\nrepos:\n  - repo: local\n    hooks:\n      - id: t\n        name: t\n        entry: "true"\n        language: system\nfail_fast: true',
    ]) {
      const after = textOf(planPreCommit(before, HOOKS, [3, 0]));
      const parsed = yaml.load(after) as { repos: { repo: string; hooks: { stages: string[] }[] }[]; default_install_hook_types: string[] };
      assert.equal(parsed.repos.at(-1)!.repo, 'local');
      assert.deepEqual(parsed.repos.at(-1)!.hooks[0]!.stages, ['push']);
      assert.deepEqual(parsed.default_install_hook_types, ['pre-commit', ...HOOKS]);
      assert.equal(removeMarked(after), before);
    }
  });
  it('uses the stage names of the installed version', () => {
    assert.equal(stageOf('pre-push', [3, 0]), 'push');
    assert.equal(stageOf('pre-push', [3, 2]), 'pre-push');
    assert.equal(stageOf('pre-push', [4, 0]), 'pre-push');
    assert.equal(stageOf('post-merge', [3, 0]), 'post-merge');
  });
  it('refuses a flow list of repos and a default_install_hook_types without kmssig hooks', () => {
    assert.ok('unsafe' in planPreCommit('repos: []\n', HOOKS, [3, 0]));
    assert.ok('unsafe' in planPreCommit('default_install_hook_types: [pre-commit]\nrepos:\n- repo: local\n  hooks: []\n', HOOKS, [3, 0]));
  });
});

describe('simple-git-hooks edits', () => {
  it('adds entries as lines in package.json and removes them byte for byte', () => {
    const before = '{\n\t"name": "app",\n\t"simple-git-hooks": {\n\t\t"pre-commit": "npx lint-staged"\n\t},\n\t"version": "1.0.0"\n}';
    const after = textOf(planSimpleGitHooks(before, HOOKS, true));
    const parsed = JSON.parse(after) as { 'simple-git-hooks': Record<string, string>; name: string };
    assert.deepEqual(Object.keys(parsed['simple-git-hooks']).sort(), ['pre-commit', ...HOOKS].sort());
    assert.match(parsed['simple-git-hooks']['pre-push']!, /"\$k" hook pre-push "\$@"; }$/);
    assert.equal(removeSimpleGitHooks(after, HOOKS), before);
    assert.equal(textOf(planSimpleGitHooks(after, HOOKS, true)), after);
  });
  it('refuses an existing command for a kmssig hook, an empty or one-line object, and JSON that does not parse', () => {
    assert.match(
      (planSimpleGitHooks('{\n  "simple-git-hooks": {\n    "pre-push": "npm test"\n  }\n}', HOOKS, true) as { unsafe: string }).unsafe,
      /pre-push/,
    );
    assert.ok('unsafe' in planSimpleGitHooks('{ "simple-git-hooks": { "pre-commit": "x" } }', HOOKS, true));
    assert.ok('unsafe' in planSimpleGitHooks('{\n  "simple-git-hooks": {\n  }\n}', HOOKS, true));
    assert.ok('unsafe' in planSimpleGitHooks('{ nope', HOOKS, true));
  });
});
