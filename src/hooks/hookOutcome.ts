import type { CheckReport } from '../core/report.js';
import type { HookMode } from '../core/anchors.js';
import type { Shown } from '../messages.js';

/**
 * A line a hook has to say: what it says (messages carry their level as data)
 * and whether it is a problem, a warning or a note; or a report to show. The
 * CLI adds glyphs and colours.
 */
export type HookLine = { stream: 'error' | 'warn' | 'info'; shown: Shown } | { report: CheckReport; label: string };

/**
 * What a hook run came to: what to say, in order, the exit code, and the mode
 * it ran in. `error` is a failure to report after the lines (the CLI prints it
 * as it prints any command's error, and exits with its code).
 */
export interface HookOutcome {
  code: number;
  mode: HookMode;
  lines: HookLine[];
  error?: Error;
}

/** Collects a hook's lines as it goes. */
export function createLines() {
  const lines: HookLine[] = [];
  return {
    lines,
    error: (shown: Shown) => lines.push({ stream: 'error', shown }),
    warn: (shown: Shown) => lines.push({ stream: 'warn', shown }),
    info: (shown: Shown) => lines.push({ stream: 'info', shown }),
    report: (report: CheckReport, label: string) => lines.push({ report, label }),
  };
}

export type Lines = ReturnType<typeof createLines>;
