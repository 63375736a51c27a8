import { preCommitScript } from './commands.js';
import { childRange, indentOf, insertMarked, isContentLine, linesOf, topLevelKey, yamlQuote } from './textBlocks.js';
import { planYamlEdit, type EditPlan } from './yamlPlan.js';

/**
 * The stage name of a hook type: pre-commit 3.2 renamed the push stage to
 * `pre-push` (the old name stays accepted, with a warning); Debian 12 ships 3.0.4,
 * which knows only `push`.
 */
export function stageOf(hook: string, version: [number, number]): string {
  if (hook !== 'pre-push') return hook;
  return version[0] > 3 || (version[0] === 3 && version[1] >= 2) ? 'pre-push' : 'push';
}

const shQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

export function preCommitHook(hook: string, version: [number, number]): Record<string, unknown> {
  return {
    id: `kmssig-${hook}`,
    name: `kmssig ${hook}`,
    entry: `sh -c ${shQuote(preCommitScript(hook))} kmssig`,
    language: 'system',
    stages: [stageOf(hook, version)],
    pass_filenames: false,
    always_run: true,
    verbose: true,
  };
}

function repoLines(hooks: string[], version: [number, number]): string[] {
  const lines = ['- repo: local', '  hooks:'];
  for (const hook of hooks) {
    const h = preCommitHook(hook, version);
    lines.push(
      `    - id: ${String(h.id)}`,
      `      name: ${String(h.name)}`,
      `      entry: ${yamlQuote(h.entry as string)}`,
      '      language: system',
    );
    lines.push(
      `      stages: [${(h.stages as string[]).join(', ')}]`,
      '      pass_filenames: false',
      '      always_run: true',
      '      verbose: true',
    );
  }
  return lines;
}

/** The hook types `pre-commit install` sets up by default, so that a teammate's plain `pre-commit install` runs kmssig too. */
export const installTypes = (hooks: string[]) => ['pre-commit', ...hooks];

export function snippetPreCommit(hooks: string[], version: [number, number]): string {
  return [
    `default_install_hook_types: [${installTypes(hooks).join(', ')}]`,
    'repos:',
    ...repoLines(hooks, version).map((l) => `  ${l}`),
  ].join('\n');
}

/** Adds a `repo: local` entry with kmssig's hooks and the hook types to install by default. */
export function planPreCommit(text: string, hooks: string[], version: [number, number]): EditPlan {
  return planYamlEdit(text, (base, parsed) => {
    const expected = structuredClone(parsed);
    const lines = linesOf(base);
    const reposLine = topLevelKey(lines, 'repos');
    if (reposLine === -1 || !Array.isArray(parsed.repos)) return { unsafe: 'it has no block list under a top-level repos: key' };
    const [from, to] = childRange(lines, reposLine, 0);
    const firstItem = lines.findIndex((l, i) => i >= from && i < to && isContentLine(l));
    if (firstItem === -1 || !/^ *- /.test(lines[firstItem]!)) return { unsafe: 'its repos: list is not a block list' };
    const types = parsed.default_install_hook_types;
    const missing = installTypes(hooks).filter((t) => !(Array.isArray(types) ? types : []).includes(t));
    if (types !== undefined && missing.length > 0) return { unsafe: 'it already sets default_install_hook_types' };
    let out = insertMarked(base, to, repoLines(hooks, version), ' '.repeat(indentOf(lines[firstItem]!)));
    expected.repos = [...(parsed.repos as unknown[]), { repo: 'local', hooks: hooks.map((h) => preCommitHook(h, version)) }];
    if (types === undefined) {
      out = insertMarked(out, linesOf(out).length, [`default_install_hook_types: [${installTypes(hooks).join(', ')}]`], '');
      expected.default_install_hook_types = installTypes(hooks);
    }
    return { text: out, expected };
  });
}
