import { progress } from '../core/progress.js';
import type { Io } from './io.js';

/** Work shorter than this, and smaller than SHOW_AFTER_BYTES, never shows a line: quick runs and hooks stay as they were. */
const SHOW_AFTER_MS = 2000;
const SHOW_AFTER_BYTES = 256 * 1024 * 1024;
const EVERY_MS = 100;

const size = (bytes: number) =>
  bytes >= 1024 ** 3
    ? `${(bytes / 1024 ** 3).toFixed(2)} GiB`
    : bytes >= 1024 ** 2
      ? `${(bytes / 1024 ** 2).toFixed(1)} MiB`
      : `${Math.round(bytes / 1024)} KiB`;

/** The line: "hashing 1.20 GiB of 3.00 GiB, 2 of 5 files, 850.0 MiB/s". */
export function progressLine(done: ReturnType<typeof progress.read>, seconds: number): string {
  const bytes = done.totalBytes > 0 ? `${size(done.bytes)} of ${size(done.totalBytes)}` : size(done.bytes);
  const files = done.totalFiles > 0 ? `, ${done.files} of ${done.totalFiles} files` : '';
  return `hashing ${bytes}${files}, ${size(seconds > 0 ? done.bytes / seconds : 0)}/s`;
}

/** Whether a progress line may be shown at all: a terminal, nobody asked for quiet, no CI and no NO_COLOR. */
export const progressWanted = (io: Io, quiet: boolean) => !quiet && io.stderr.isTTY === true && !io.env.CI && !io.env.NO_COLOR;

/**
 * One updating line on standard error while the run hashes, once the work is
 * long (2 s, or 256 MiB). It is erased before anything else is written
 * (through the returned io) and when the work ends, so the output reads as
 * without it. Returns the io the command writes through and the function that ends the line.
 */
export function startProgress(io: Io, quiet: boolean): { io: Io; stop: () => void } {
  if (!progressWanted(io, quiet)) return { io, stop: () => {} };
  const started = performance.now();
  const base = progress.read().bytes;
  let shown = false;
  const draw = () => {
    const now = progress.read();
    const seconds = (performance.now() - started) / 1000;
    if (!shown && seconds * 1000 < SHOW_AFTER_MS && now.bytes - base < SHOW_AFTER_BYTES) return;
    shown = true;
    io.stderr.write(`\r\x1b[K${progressLine(now, seconds)}`);
  };
  // Both: the timer for lanes in worker threads while this thread waits, the tick for this thread's synchronous lane.
  const timer = setInterval(draw, EVERY_MS);
  timer.unref();
  progress.onTick(draw, EVERY_MS);
  const erase = () => {
    if (shown) io.stderr.write('\r\x1b[K');
    shown = false;
  };
  const stop = () => {
    clearInterval(timer);
    progress.onTick(undefined);
    erase();
  };
  return { io: { ...io, stdout: erasing(io.stdout, erase), stderr: erasing(io.stderr, erase) }, stop };
}

/** The stream, whose write first erases the progress line; everything else is the stream's own. */
function erasing<S extends Io['stderr']>(stream: S, erase: () => void): S {
  return new Proxy(stream, {
    get(target, key) {
      if (key === 'write')
        return (...args: Parameters<S['write']>) => {
          erase();
          return (target.write as (...a: unknown[]) => boolean)(...args);
        };
      const value: unknown = Reflect.get(target, key, target);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}
