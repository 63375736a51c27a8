import { recordRef } from '../../core/policy.js';
import type { CheckReport, FileReport } from '../../core/report.js';
import { isFailure, short, stateText } from './stateText.js';

/** Past this many files the table keeps the failures and says how many others passed. */
export const SUMMARY_ALL_FILES = 50;
/** At most this many failing rows: a job summary is capped at 1 MiB per step, and nobody reads row 201. */
export const SUMMARY_MAX_FAILURES = 200;

// Markdown table cells: a path may hold anything a file name can, so it goes into <code> with HTML escaped,
// and | (which ends a cell even inside code) as its entity.
const cell = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\|/g, '&#124;').replace(/\r?\n/g, ' ');
const code = (text: string) => `<code>${cell(text)}</code>`;

const VERDICT = {
  pass: ':white_check_mark: passed',
  fail: ':x: failed',
  quiet: ':information_source: nothing to verify',
} as const;

/**
 * The GitHub job summary of one check (appended to $GITHUB_STEP_SUMMARY): the
 * verdict, what was verified against what, then the files, failures first.
 */
export function toJobSummary(report: CheckReport, rev: string): string {
  const failing = report.files.filter(isFailure);
  const lines = [`### kmssig check: ${VERDICT[report.status]}`, '', '| | |', '|---|---|'];
  lines.push(`| Revision | ${code(rev)} at ${code(short(report.commit))}${report.worktree ? ' (working tree)' : ''} |`);
  if (report.signed) {
    const { commit, record } = report.signed;
    lines.push(`| Signed commit | ${code(short(commit))} |`, `| Key | ${code(record.keyId)} |`);
    lines.push(`| Ref | ${code(recordRef(record) ?? 'none')} |`);
  }
  const passed = report.files.length - failing.length;
  lines.push(`| Release files | ${passed} verified, ${failing.length} failed |`);
  if (report.problem) lines.push('', `**${cell(report.problem)}**`);
  const ordered = [...failing, ...report.files.filter((f) => !isFailure(f))];
  const listed = (report.files.length > SUMMARY_ALL_FILES ? failing : ordered).slice(0, SUMMARY_MAX_FAILURES);
  if (listed.length > 0) lines.push('', '| File | State |', '|---|---|', ...listed.map(row));
  const unlistedFailures = failing.length - listed.filter(isFailure).length;
  const unlistedPassed = passed - listed.filter((f) => !isFailure(f)).length;
  if (unlistedFailures + unlistedPassed > 0) {
    const parts = [unlistedFailures > 0 ? `${unlistedFailures} more failed` : '', unlistedPassed > 0 ? `${unlistedPassed} verified` : ''];
    lines.push('', `Not listed: ${parts.filter(Boolean).join(', ')} (\`kmssig check\` lists every file).`);
  }
  for (const r of report.rejected.slice(0, 20)) lines.push('', `A record on ${code(short(r.commit))} did not count: ${cell(r.reason)}`);
  return lines.join('\n') + '\n\n';
}

const row = (file: FileReport) => `| ${code(file.path)} | ${isFailure(file) ? `**${cell(stateText(file))}**` : cell(stateText(file))} |`;

/** A check that could not decide (exit 2 or 3): the reason, so the summary never looks like a pass. */
export function toJobSummaryError(rev: string, exitCode: number, reason: string): string {
  const verdict = exitCode === 3 ? ':warning: could not verify' : ':warning: usage or configuration error';
  return [`### kmssig check: ${verdict} (exit ${exitCode})`, '', `Revision ${code(rev)}: ${cell(reason)}`].join('\n') + '\n\n';
}
