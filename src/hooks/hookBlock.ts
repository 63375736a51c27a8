/**
 * The marked block kmssig puts into a hook file. Pure text functions: the
 * block goes right after the shebang (before any command that might read
 * standard input) and comes out byte for byte, so uninstall restores the file.
 */
export const BEGIN = '# >>> kmssig >>> added by kmssig install; kmssig uninstall removes it';
export const BEGIN_CREATED = '# >>> kmssig >>> created by kmssig install; kmssig uninstall removes the file';
/** After a lone shebang line without a final newline: uninstall also removes the newline install had to add. */
export const BEGIN_AFTER_BARE = '# >>> kmssig >>> added by kmssig install after a line without newline; kmssig uninstall removes it';
/** A hook in another language was moved aside to <hook>.kmssig-chained; this file runs it after kmssig. */
export const BEGIN_CHAINED = '# >>> kmssig >>> created by kmssig install; runs the previous hook, kept as';
export const END = '# <<< kmssig <<<';
export const SHEBANG = '#!/bin/sh\n';
export const CHAINED_SUFFIX = '.kmssig-chained';

export type BlockKind = 'added' | 'created' | 'afterBare' | 'chained';

const BEGINS: Record<Exclude<BlockKind, 'chained'>, string> = { added: BEGIN, created: BEGIN_CREATED, afterBare: BEGIN_AFTER_BARE };

export function makeBlock(body: string, kind: Exclude<BlockKind, 'chained'>): string {
  return `${BEGINS[kind]}\n${body.endsWith('\n') ? body : body + '\n'}${END}\n`;
}

/**
 * A whole hook file that runs kmssig's block, then the previous hook with the
 * same arguments and standard input (pre-push's block hands stdin back), and
 * exits with the previous hook's status.
 */
export function chainedHook(body: string, hook: string): string {
  return SHEBANG + chainedBlock(body, hook);
}

function chainedBlock(body: string, hook: string): string {
  const chained = `${hook}${CHAINED_SUFFIX}`;
  return (
    `${BEGIN_CHAINED} ${chained}; kmssig uninstall puts it back\n` +
    `${body.endsWith('\n') ? body : body + '\n'}` +
    `exec "$(dirname "$0")/${chained}" "$@"\n` +
    `${END}\n`
  );
}

/** Finds the block: its start and end offsets and kind, or undefined. */
export function findBlock(text: string): { start: number; end: number; kind: BlockKind } | undefined {
  const begin = text.search(/^# >>> kmssig >>>.*$/m);
  if (begin === -1) return undefined;
  const endAt = text.indexOf(`${END}\n`, begin);
  if (endAt === -1) return undefined;
  const kind: BlockKind = text.startsWith(BEGIN_CREATED, begin)
    ? 'created'
    : text.startsWith(BEGIN_AFTER_BARE, begin)
      ? 'afterBare'
      : text.startsWith(BEGIN_CHAINED, begin)
        ? 'chained'
        : 'added';
  return { start: begin, end: endAt + END.length + 1, kind };
}

/** The new text of a hook file (undefined: create it) with the block in place. */
export function withBlock(existing: string | undefined, body: string): string {
  if (existing === undefined) return SHEBANG + makeBlock(body, 'created');
  const found = findBlock(existing);
  if (found) {
    if (found.kind === 'chained')
      return existing.slice(0, found.start) + chainedBlock(body, chainedName(existing, found)) + existing.slice(found.end);
    return existing.slice(0, found.start) + makeBlock(body, found.kind) + existing.slice(found.end);
  }
  if (!existing.startsWith('#!')) return makeBlock(body, 'added') + existing;
  const nl = existing.indexOf('\n');
  return nl === -1
    ? `${existing}\n${makeBlock(body, 'afterBare')}`
    : existing.slice(0, nl + 1) + makeBlock(body, 'added') + existing.slice(nl + 1);
}

function chainedName(text: string, found: { start: number }): string {
  const line = text.slice(found.start, text.indexOf('\n', found.start));
  const name = line.slice(BEGIN_CHAINED.length + 1).split(';')[0] ?? '';
  return name.slice(0, -CHAINED_SUFFIX.length);
}

/**
 * The text without the block; undefined when kmssig created the file and
 * nothing else was added to it (the file is to be removed; for a chained
 * hook, the previous hook is then moved back).
 */
export function withoutBlock(text: string): string | undefined {
  const found = findBlock(text);
  if (!found) return text;
  if (found.kind === 'afterBare' && text[found.start - 1] === '\n' && found.end === text.length) return text.slice(0, found.start - 1);
  const rest = text.slice(0, found.start) + text.slice(found.end);
  return (found.kind === 'created' || found.kind === 'chained') && rest === SHEBANG ? undefined : rest;
}

/**
 * Whether kmssig's sh block may go into this hook file: sh-family shebangs, or
 * none (git and husky run those with sh). Anything else is chained instead.
 */
export function isShellHook(text: string): boolean {
  if (text.includes('\0')) return false;
  if (!text.startsWith('#!')) return true;
  const line = text.slice(2, (text.indexOf('\n') + 1 || text.length + 1) - 1).trim();
  const [program = '', ...args] = line.split(/\s+/);
  const name = program.endsWith('/env') ? (args.find((a) => !a.startsWith('-')) ?? '') : program;
  return /(^|\/)(sh|bash|dash|ash|ksh|mksh|busybox)$/.test(name);
}
