/**
 * The marked block kmssig puts into a hook file. Pure text functions: the
 * block goes right after the shebang (before any command that might read
 * standard input) and comes out byte for byte, so uninstall restores the file.
 */
export const BEGIN = '# >>> kmssig >>> added by kmssig install; kmssig uninstall removes it';
export const BEGIN_CREATED = '# >>> kmssig >>> created by kmssig install; kmssig uninstall removes the file';
export const END = '# <<< kmssig <<<';
const SHEBANG = '#!/bin/sh\n';

export function makeBlock(body: string, created: boolean): string {
  return `${created ? BEGIN_CREATED : BEGIN}\n${body.endsWith('\n') ? body : body + '\n'}${END}\n`;
}

/** Finds the block: its start and end offsets, or undefined. */
export function findBlock(text: string): { start: number; end: number; created: boolean } | undefined {
  const begin = text.search(/^# >>> kmssig >>>.*$/m);
  if (begin === -1) return undefined;
  const endAt = text.indexOf(`${END}\n`, begin);
  if (endAt === -1) return undefined;
  return { start: begin, end: endAt + END.length + 1, created: text.startsWith(BEGIN_CREATED, begin) };
}

/** The new text of a hook file (undefined: create it) with the block in place. */
export function withBlock(existing: string | undefined, body: string): string {
  if (existing === undefined) return SHEBANG + makeBlock(body, true);
  const found = findBlock(existing);
  if (found) return existing.slice(0, found.start) + makeBlock(body, found.created) + existing.slice(found.end);
  const block = makeBlock(body, false);
  if (!existing.startsWith('#!')) return block + existing;
  const nl = existing.indexOf('\n');
  return nl === -1 ? `${existing}\n${block}` : existing.slice(0, nl + 1) + block + existing.slice(nl + 1);
}

/**
 * The text without the block; undefined when kmssig created the file and
 * nothing else was added to it (the file is to be removed).
 */
export function withoutBlock(text: string): string | undefined {
  const found = findBlock(text);
  if (!found) return text;
  const rest = text.slice(0, found.start) + text.slice(found.end);
  return found.created && rest === SHEBANG ? undefined : rest;
}
