import { isDeepStrictEqual } from 'node:util';
import yaml from 'js-yaml';
import { hasMarked, removeMarked } from './textBlocks.js';

/** What install would do to a manager's configuration file. */
export type EditPlan = { text: string } | { unsafe: string };

export function parseYaml(text: string): { value: unknown } | { error: string } {
  try {
    return { value: yaml.load(text) ?? {} };
  } catch (error) {
    return { error: `it does not parse as YAML: ${((error as Error).message ?? '').split('\n')[0]}` };
  }
}

export const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Runs a line-level edit on the file as it was before any kmssig lines, then
 * checks the result by parsing it: the edit is kept only when the file now
 * means exactly what was intended (the old content plus kmssig's entries).
 * Anything else is unsafe to edit.
 */
export function planYamlEdit(
  text: string,
  edit: (base: string, parsed: Record<string, unknown>) => { text: string; expected: unknown } | { unsafe: string },
): EditPlan {
  const base = hasMarked(text) ? removeMarked(text) : text;
  if (base === undefined) return { unsafe: 'its kmssig lines were edited by hand' };
  const parsed = parseYaml(base);
  if ('error' in parsed) return { unsafe: parsed.error };
  if (!isObject(parsed.value)) return { unsafe: 'its top level is not a mapping' };
  const result = edit(base, parsed.value);
  if ('unsafe' in result) return result;
  const check = parseYaml(result.text);
  if ('error' in check || !isDeepStrictEqual(check.value, result.expected))
    return { unsafe: 'its layout is one kmssig cannot add lines to without changing what it means' };
  return { text: result.text };
}
