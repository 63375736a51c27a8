import type { CheckReport } from '../core/report.js';
import type { HookMode } from '../core/anchors.js';

/** A line a hook has to say, with its severity as data; the CLI adds glyphs and colours. */
export type HookLine = { level: 'error' | 'warn' | 'info'; text: string } | { report: CheckReport; label: string };

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
    error: (text: string) => lines.push({ level: 'error', text }),
    warn: (text: string) => lines.push({ level: 'warn', text }),
    info: (text: string) => lines.push({ level: 'info', text }),
    report: (report: CheckReport, label: string) => lines.push({ report, label }),
  };
}

export type Lines = ReturnType<typeof createLines>;
