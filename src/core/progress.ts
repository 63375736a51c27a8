/**
 * How far the hashing of this run has got: bytes and files done, and the
 * totals when they are known. One per process, because the hashers run on
 * several floors and threads (git blobs, files on disk, one file) and a
 * progress line is about the run, not about one call. The numbers live in a
 * SharedArrayBuffer so that worker threads add to the same counters
 * (Atomics, one add per chunk of 64 KiB-1 MiB: nothing next to SHA-512).
 */
const BYTES = 0;
const FILES = 1;
const TOTAL_BYTES = 2;
const TOTAL_FILES = 3;

export class ProgressCounter {
  readonly buffer: SharedArrayBuffer;
  private readonly cells: BigInt64Array;
  /** Called from add() at most every `everyMs`: a lane that hashes synchronously still lets the line move. */
  private tick: { fn: () => void; everyMs: number; last: number } | undefined;

  constructor(buffer = new SharedArrayBuffer(4 * 8)) {
    this.buffer = buffer;
    this.cells = new BigInt64Array(buffer);
  }

  add(bytes: number, files = 0): void {
    if (bytes > 0) Atomics.add(this.cells, BYTES, BigInt(bytes));
    if (files > 0) Atomics.add(this.cells, FILES, BigInt(files));
    const tick = this.tick;
    if (tick) {
      const now = performance.now();
      if (now - tick.last >= tick.everyMs) {
        tick.last = now;
        tick.fn();
      }
    }
  }

  /** Work about to start: what the totals grow by (bytes unknown: 0). */
  expect(bytes: number, files: number): void {
    if (bytes > 0) Atomics.add(this.cells, TOTAL_BYTES, BigInt(bytes));
    if (files > 0) Atomics.add(this.cells, TOTAL_FILES, BigInt(files));
  }

  read(): { bytes: number; files: number; totalBytes: number; totalFiles: number } {
    const at = (i: number) => Number(Atomics.load(this.cells, i));
    return { bytes: at(BYTES), files: at(FILES), totalBytes: at(TOTAL_BYTES), totalFiles: at(TOTAL_FILES) };
  }

  onTick(fn: (() => void) | undefined, everyMs = 100): void {
    this.tick = fn ? { fn, everyMs, last: performance.now() } : undefined;
  }
}

/** This thread's counter; a worker thread's is built over the buffer its parent passed (`counterOver`). */
export const progress = new ProgressCounter();

/** The parent's counter, seen from a worker thread, or a counter of its own when none was passed. */
export const counterOver = (buffer: SharedArrayBuffer | undefined) => (buffer ? new ProgressCounter(buffer) : new ProgressCounter());
