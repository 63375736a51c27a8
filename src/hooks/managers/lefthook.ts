import { lefthookCommand, runsKmssig } from './commands.js';
import { childRange, firstContent, indentOf, insertMarked, linesOf, topLevelKey, yamlQuote } from './textBlocks.js';
import { isObject, planYamlEdit, type EditPlan } from './yamlPlan.js';

/**
 * lefthook's job for a kmssig hook; pre-push gets git's ref lines and runs even when lefthook sees no pushed files.
 * Behind kmssig's guard the pre-push job is skipped before it starts: lefthook hands one cached reader of
 * standard input to every use_stdin job, and jobs run with `parallel: true` split its lines between them
 * (internal/run/controller/utils/cached_reader.go; lefthook PR 732), so a job of kmssig's that only exits
 * would still take the team's ref lines.
 */
export function lefthookJob(hook: string): Record<string, unknown> {
  return {
    name: 'kmssig',
    run: lefthookCommand(hook),
    ...(hook === 'pre-push'
      ? { use_stdin: true, files: 'git ls-files | head -n 1', skip: [{ run: '[ "${KMSSIG_GUARDED:-}" = 1 ]' }] }
      : {}),
  };
}

const scalar = (v: unknown) => (typeof v === 'string' ? yamlQuote(v) : String(v));

/** A job's field as YAML lines: a scalar, or a list of one-level mappings (skip's conditions). */
function fieldLines(key: string, value: unknown): string[] {
  if (!Array.isArray(value)) return [`${key}: ${scalar(value)}`];
  return [
    `${key}:`,
    ...value.flatMap((item: Record<string, unknown>) =>
      Object.entries(item).map(([k, v], i) => `${i === 0 ? '  - ' : '    '}${k}: ${scalar(v)}`),
    ),
  ];
}

function jobLines(hook: string, asItem: boolean): string[] {
  const fields = Object.entries(lefthookJob(hook))
    .filter(([k]) => k !== 'name')
    .flatMap(([k, v]) => fieldLines(k, v));
  return asItem ? ['- name: kmssig', ...fields.map((f) => `  ${f}`)] : ['kmssig:', ...fields.map((f) => `  ${f}`)];
}

export function snippetLefthook(hooks: string[]): string {
  return hooks.flatMap((h) => [`${h}:`, '  jobs:', ...jobLines(h, true).map((l) => `    ${l}`)]).join('\n');
}

/** Adds a kmssig job to each hook of a YAML lefthook configuration (jobs list or commands map). */
export function planLefthook(text: string, hooks: string[]): EditPlan {
  return planYamlEdit(text, (base, parsed) => {
    const expected = structuredClone(parsed);
    let out = base;
    const absent: string[] = [];
    const present: { hook: string; line: number }[] = [];
    for (const hook of hooks) {
      const value = parsed[hook];
      if (
        value !== undefined &&
        JSON.stringify(value).includes('hook ' + hook) &&
        runsKmssig(JSON.stringify(value).replace(/\\"/g, '"'), hook)
      )
        continue; // the team already runs kmssig here
      const line = topLevelKey(linesOf(base), hook);
      if (line === -1) {
        if (value !== undefined) return { unsafe: `its ${hook} key is not a plain top-level line` };
        absent.push(hook);
      } else present.push({ hook, line });
    }
    // Bottom to top, so earlier line numbers stay valid.
    for (const { hook, line } of present.sort((a, b) => b.line - a.line)) {
      const lines = linesOf(out);
      const value = parsed[hook];
      if (!isObject(value)) return { unsafe: `its ${hook} entry is not a mapping` };
      const [from, to] = childRange(lines, line, 0);
      const jobsLine = lines.findIndex((l, i) => i >= from && i < to && /^ +jobs:\s*(#.*)?$/.test(l.replace(/\n$/, '')));
      const commandsLine = lines.findIndex((l, i) => i >= from && i < to && /^ +commands:\s*(#.*)?$/.test(l.replace(/\n$/, '')));
      const target = jobsLine !== -1 ? jobsLine : commandsLine;
      if (target === -1) return { unsafe: `its ${hook} entry has no jobs: or commands: block` };
      const first = firstContent(lines, target + 1, to);
      if (first === -1 || indentOf(lines[first]!) <= indentOf(lines[target]!))
        return { unsafe: `its ${hook} jobs are not a block kmssig can add to` };
      const indent = ' '.repeat(indentOf(lines[first]!));
      out = insertMarked(out, first, jobLines(hook, jobsLine !== -1), indent);
      const entry = expected[hook] as Record<string, unknown>;
      if (jobsLine !== -1) {
        if (!Array.isArray(entry.jobs)) return { unsafe: `its ${hook} jobs are not a list` };
        entry.jobs = [lefthookJob(hook), ...(entry.jobs as unknown[])];
      } else {
        if (!isObject(entry.commands)) return { unsafe: `its ${hook} commands are not a mapping` };
        const { name: _name, ...command } = lefthookJob(hook);
        entry.commands = { kmssig: command, ...entry.commands };
      }
    }
    if (absent.length > 0) {
      out = insertMarked(out, linesOf(out).length, snippetLefthook(absent).split('\n'), '');
      for (const hook of absent) expected[hook] = { jobs: [lefthookJob(hook)] };
    }
    return { text: out, expected };
  });
}
