import { isDeepStrictEqual } from 'node:util';
import { SIMPLE_GIT_HOOKS_KEY } from '../../core/hookManagers.js';
import { shCommand } from './commands.js';
import type { EditPlan } from './yamlPlan.js';

/** End offset of the JSON value (or string) that starts at `at` (no white space before it). */
function valueEnd(text: string, at: number): number {
  if (text[at] === '"') {
    for (let i = at + 1; i < text.length; i++) {
      if (text[i] === '\\') i++;
      else if (text[i] === '"') return i + 1;
    }
    return -1;
  }
  if (text[at] === '{' || text[at] === '[') {
    let depth = 0;
    for (let i = at; i < text.length; i++) {
      const c = text[i];
      if (c === '"') i = valueEnd(text, i) - 1;
      else if (c === '{' || c === '[') depth++;
      else if ((c === '}' || c === ']') && --depth === 0) return i + 1;
    }
    return -1;
  }
  return /[,}\]\s]|$/.exec(text.slice(at))!.index + at;
}

/** The start offset of a top-level key's value in a JSON object text. */
function topLevelValue(text: string, key: string): number {
  let i = text.indexOf('{') + 1;
  while (i > 0 && i < text.length) {
    const m = /^[\s,]*/.exec(text.slice(i))!;
    i += m[0].length;
    if (text[i] !== '"') return -1;
    const keyEnd = valueEnd(text, i);
    const name = JSON.parse(text.slice(i, keyEnd)) as string;
    const colon = text.indexOf(':', keyEnd);
    const start = colon + 1 + /^\s*/.exec(text.slice(colon + 1))![0].length;
    if (name === key) return start;
    i = valueEnd(text, start);
  }
  return -1;
}

const line = (indent: string, hook: string) => `${indent}${JSON.stringify(hook)}: ${JSON.stringify(shCommand(hook))},\n`;

export function snippetSimpleGitHooks(hooks: string[]): string {
  return `"${SIMPLE_GIT_HOOKS_KEY}": {\n${hooks.map((h) => line('  ', h)).join('')}  ...\n}`;
}

/**
 * Adds kmssig's entries to the simple-git-hooks object (package.json's key, or
 * a JSON configuration file's top level) as whole lines after its opening
 * brace; checked by parsing the result.
 */
export function planSimpleGitHooks(text: string, hooks: string[], inPackageJson: boolean): EditPlan {
  let before: Record<string, unknown>;
  try {
    before = JSON.parse(text) as Record<string, unknown>;
  } catch (error) {
    return { unsafe: `it does not parse as JSON: ${(error as Error).message}` };
  }
  const config = (inPackageJson ? before[SIMPLE_GIT_HOOKS_KEY] : before) as Record<string, unknown> | undefined;
  if (typeof config !== 'object' || config === null || Array.isArray(config))
    return { unsafe: 'its simple-git-hooks entry is not an object' };
  const wanted = hooks.filter((h) => config[h] !== shCommand(h));
  const taken = wanted.filter((h) => config[h] !== undefined);
  if (taken.length > 0) return { unsafe: `it already has a ${taken.join(' and ')} command, which kmssig will not rewrite` };
  if (wanted.length === 0) return { text };
  const objStart = inPackageJson ? topLevelValue(text, SIMPLE_GIT_HOOKS_KEY) : text.indexOf('{');
  const nl = text.indexOf('\n', objStart);
  const next = text.slice(nl + 1);
  const indent = /^[ \t]*/.exec(next)![0];
  if (objStart < 0 || text[objStart] !== '{' || text.slice(objStart + 1, nl).trim() !== '' || /^[ \t]*}/.test(next))
    return { unsafe: 'its simple-git-hooks object is not laid out one entry per line' };
  const out = text.slice(0, nl + 1) + wanted.map((h) => line(indent, h)).join('') + next;
  const expected = structuredClone(before);
  const target = (inPackageJson ? expected[SIMPLE_GIT_HOOKS_KEY] : expected) as Record<string, unknown>;
  for (const h of wanted) target[h] = shCommand(h);
  try {
    if (isDeepStrictEqual(JSON.parse(out), expected)) return { text: out };
  } catch {
    // falls through: unsafe
  }
  return { unsafe: 'its layout is one kmssig cannot add lines to without changing what it means' };
}

/** The text without kmssig's lines; undefined when they are not exactly as install wrote them. */
export function removeSimpleGitHooks(text: string, hooks: string[]): string | undefined {
  let out = text;
  for (const hook of hooks) {
    const re = new RegExp(`^[ \\t]*${escape(JSON.stringify(hook))}: ${escape(JSON.stringify(shCommand(hook)))},\\n`, 'm');
    out = out.replace(re, '');
  }
  try {
    JSON.parse(out);
  } catch {
    return undefined;
  }
  return out;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Whether this JSON text configures simple-git-hooks to run kmssig for a hook. */
export function simpleGitHooksRuns(text: string, hook: string, inPackageJson: boolean): boolean {
  try {
    const parsed = JSON.parse(text) as Record<string, Record<string, unknown>>;
    const config = inPackageJson ? parsed[SIMPLE_GIT_HOOKS_KEY] : parsed;
    return typeof config?.[hook] === 'string' && config[hook].includes(`hook ${hook}`);
  } catch {
    return false;
  }
}
