import type { CheckReport } from '../../core/report.js';
import { messages } from '../../messages.js';
import { isFailure, recordsOn, short, stateText } from './stateText.js';

// Workflow-command escaping: https://github.com/actions/toolkit/blob/main/packages/core/src/command.ts
const escapeData = (s: string) => s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
const escapeProperty = (s: string) => escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');

/** GitHub Actions annotations: an ::error per failing file, then a one-line summary. */
export function toGithub(report: CheckReport): string {
  const lines = report.files
    .filter(isFailure)
    .map(
      (f) =>
        `::error file=${escapeProperty(f.path)},title=kmssig::${escapeData(`${f.path}: ${stateText(f)} (at ${short(report.commit)})`)}`,
    );
  if (report.problem) lines.push(`::error title=kmssig::${escapeData(report.problem)}`);
  for (const r of report.rejected) lines.push(`::warning title=kmssig::${escapeData(`${recordsOn(r)} did not count: ${r.reason}`)}`);
  for (const pattern of report.emptyPatterns ?? [])
    lines.push(`::warning title=kmssig::${escapeData(messages.emptyPatternWarning(pattern, report.commit).text)}`);
  const summary =
    report.status === 'fail'
      ? `kmssig: ${report.files.filter(isFailure).length} release file(s) failed verification at ${short(report.commit)}`
      : `kmssig: ${report.files.length} release file(s) verified at ${short(report.commit)}${report.signed ? ` against ${short(report.signed.commit)}` : ''}`;
  lines.push(report.status === 'fail' ? `::error title=kmssig::${escapeData(summary)}` : `::notice title=kmssig::${escapeData(summary)}`);
  return lines.join('\n');
}

/** The reason a check could not decide (exit 2 or 3), as an annotation. */
export function toGithubError(message: string): string {
  return `::error title=kmssig::${escapeData(message)}`;
}
