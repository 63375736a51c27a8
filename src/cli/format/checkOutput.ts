import { appendFileSync } from 'node:fs';
import type { Policy } from '../../core/policy.js';
import type { CheckReport } from '../../core/report.js';
import type { Io, Output } from '../io.js';
import { toGithub, toGithubError } from './github.js';
import { printHuman } from './human.js';
import { toJson, toJsonError } from './json.js';
import { toJobSummary, toJobSummaryError } from './summary.js';

export const FORMATS = ['human', 'json', 'github'];

/** A check's report in the chosen format, and in the GitHub job summary when the runner asks for one. */
export function emitReport(
  io: Io,
  out: Output,
  report: CheckReport,
  how: { format: string; rev: string; label: string; policy: Policy },
): void {
  if (how.format === 'json') io.stdout.write(toJson(report, how.policy, how.rev) + '\n');
  else if (how.format === 'github') io.stdout.write(toGithub(report) + '\n');
  else printHuman(report, out, how.label);
  appendSummary(io, out, toJobSummary(report, how.rev));
}

/** A check that could not decide: a CI reading JSON, annotations or the summary gets the reason of exit 2 or 3 there too. */
export function emitError(io: Io, out: Output, format: string, rev: string, exitCode: number, reason: string): void {
  if (format === 'json') io.stdout.write(toJsonError(rev, exitCode, reason) + '\n');
  if (format === 'github') io.stdout.write(toGithubError(reason) + '\n');
  appendSummary(io, out, toJobSummaryError(rev, exitCode, reason));
}

// GitHub Actions sets GITHUB_STEP_SUMMARY to a file of the step; what is appended there is the job's summary page.
// A summary that cannot be written costs a warning, never the verdict.
function appendSummary(io: Io, out: Output, markdown: string): void {
  const file = io.env.GITHUB_STEP_SUMMARY;
  if (!file) return;
  try {
    appendFileSync(file, markdown);
  } catch (error) {
    out.warn({ level: 'warn', text: `could not write the job summary to ${file}: ${(error as Error).message}` });
  }
}
