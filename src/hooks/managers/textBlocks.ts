/**
 * Marked lines in another tool's YAML configuration: install inserts whole
 * lines between a begin and an end comment, uninstall removes exactly those
 * lines, so the file comes back byte for byte.
 */
export const MARK_BEGIN = '# >>> kmssig >>> added by kmssig install; kmssig uninstall removes it';
const MARK_BEGIN_BARE = '# >>> kmssig >>> added by kmssig install after a last line without newline; kmssig uninstall removes it';
export const MARK_END = '# <<< kmssig <<<';

/** Splits into lines that keep their line ends. */
export const linesOf = (text: string) => text.match(/[^\n]*\n|[^\n]+$/g) ?? [];

/** Inserts a marked group of lines before line `at` (0-based; lines.length appends). */
export function insertMarked(text: string, at: number, body: string[], indent: string): string {
  const lines = linesOf(text);
  let prefix = '';
  let begin = MARK_BEGIN;
  if (at === lines.length && text !== '' && !text.endsWith('\n')) {
    prefix = '\n';
    begin = MARK_BEGIN_BARE;
  }
  const group = [`${indent}${begin}`, ...body.map((l) => (l === '' ? '' : indent + l)), `${indent}${MARK_END}`].join('\n') + '\n';
  return lines.slice(0, at).join('') + prefix + group + lines.slice(at).join('');
}

/** The text without kmssig's marked groups; undefined when one is not closed (edited by hand). */
export function removeMarked(text: string): string | undefined {
  const lines = linesOf(text);
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const trimmed = lines[i]!.trim();
    if (!trimmed.startsWith('# >>> kmssig >>>')) {
      out.push(lines[i]!);
      continue;
    }
    const end = lines.findIndex((l, j) => j > i && l.trim() === MARK_END);
    if (end === -1) return undefined;
    if (trimmed === MARK_BEGIN_BARE && end === lines.length - 1 && out.length > 0) out[out.length - 1] = out.at(-1)!.replace(/\n$/, '');
    i = end;
  }
  return out.join('');
}

export const hasMarked = (text: string) => /^\s*# >>> kmssig >>>/m.test(text);

/** Index of the first line of a top-level key (`key:`), or -1. */
export function topLevelKey(lines: string[], key: string): number {
  const re = new RegExp(`^${key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:(\\s*(#.*)?)?$`);
  return lines.findIndex((l) => re.test(l.replace(/\n$/, '')));
}

const content = (l: string) => l.trim() !== '' && !l.trim().startsWith('#');
const indentOf = (l: string) => /^ */.exec(l)![0].length;

/** The lines after a key line that belong to it (indented more, or a sequence at its indentation), as [first, end). */
export function childRange(lines: string[], keyLine: number, indent: number): [number, number] {
  let end = keyLine + 1;
  for (let i = keyLine + 1; i < lines.length; i++) {
    if (!content(lines[i]!)) continue;
    // A block sequence may sit at the key's own indentation (`repos:` then `- repo: ...`).
    const l = lines[i]!;
    if (indentOf(l) < indent || (indentOf(l) === indent && !/^ *-( |$)/.test(l))) break;
    end = i + 1;
  }
  return [keyLine + 1, end];
}

/** The first content line in [from, to), or -1. */
export function firstContent(lines: string[], from: number, to: number): number {
  for (let i = from; i < to; i++) if (content(lines[i]!)) return i;
  return -1;
}

export { content as isContentLine, indentOf };

/** A YAML single-quoted scalar. */
export const yamlQuote = (s: string) => `'${s.replace(/'/g, "''")}'`;
