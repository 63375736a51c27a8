import { styleText } from 'node:util';
import type { Readable, Writable } from 'node:stream';
import { render, type Shown } from './format/figures.js';

/** Everything a command may touch of its process, passed in so tests can run commands in-process. */
export interface Io {
  stdout: Writable & { isTTY?: boolean; hasColors?: () => boolean };
  stderr: Writable & { isTTY?: boolean; hasColors?: () => boolean };
  stdin: Readable;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

type Style = 'red' | 'green' | 'yellow' | 'cyan' | 'bold' | 'dim';

/**
 * Results go to stdout, progress and problems to stderr; colors only on a TTY
 * that has them. A message's glyph comes from its level (format/figures.ts),
 * its colour from the method that writes it.
 */
export function createOutput(io: Io) {
  const colors = (stream: Io['stderr']) => !io.env.NO_COLOR && stream.isTTY === true && (stream.hasColors?.() ?? false);
  const paint = (stream: Io['stderr'], style: Style, shown: Shown) => {
    const text = render(shown);
    return colors(stream) ? styleText(style, text) : text;
  };
  return {
    result: (line: Shown, style?: Style) => io.stdout.write((style ? paint(io.stdout, style, line) : render(line)) + '\n'),
    info: (line: Shown) => io.stderr.write(render(line) + '\n'),
    warn: (line: Shown) => io.stderr.write(paint(io.stderr, 'yellow', line) + '\n'),
    error: (line: Shown) => io.stderr.write(paint(io.stderr, 'red', line) + '\n'),
    paint: (style: Style, text: Shown) => paint(io.stdout, style, text),
    paintErr: (style: Style, text: Shown) => paint(io.stderr, style, text),
  };
}

export { errorLines } from '../errors.js';

export type Output = ReturnType<typeof createOutput>;
