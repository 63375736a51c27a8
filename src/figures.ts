import type { Level, Shown } from './messages.js';

export type { Shown };

/**
 * The glyph of each level: the one place in src/ that writes them (lint fails
 * on a glyph anywhere else), as lint-staged keeps lib/figures.js apart from
 * lib/messages.js. A plain line has none.
 */
const figures: Record<Exclude<Level, 'plain'>, string> = { error: '✖', warn: '⚠', info: 'ℹ', ok: '✔', alarm: '✖✖✖' };

/** The text of what is shown, each line with its level's glyph; a hook's banner (alarm) stands between two sets of three, after a blank line. */
export function render(shown: Shown): string {
  if (typeof shown === 'string') return shown;
  if (!('text' in shown)) return shown.map(render).join('\n');
  const { level, text } = shown;
  if (level === 'plain') return text;
  if (level === 'alarm') return `\n${figures.alarm} ${text} ${figures.alarm}`;
  return `${figures[level]} ${text}`;
}
