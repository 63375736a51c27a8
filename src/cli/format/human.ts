import { recordRef } from '../../core/policy.js';
import type { CheckReport } from '../../core/report.js';
import { messages } from '../../messages.js';
import type { Output } from '../io.js';
import { isFailure, recordsOn, short, stateText } from './stateText.js';

/**
 * The human report: a line on what was verified against what, a table of
 * file, state, signed commit, key and ref, then the verdict and the next step.
 * A record's claims (who, which ref, which key) are shown only when it verified.
 */
export function printHuman(report: CheckReport, out: Output, label: string): void {
  const signed = report.signed;
  if (signed) {
    const { record } = signed;
    out.result(`signature of ${short(signed.commit)} (${recordRef(record) ?? 'no ref'}: ${messages.signedFacts(record)})`);
  }
  const rows = report.files.map((f) => [
    f.path,
    stateText(f),
    short(f.signedCommit) || '-',
    keyOf(report, f.signedCommit),
    refOf(report, f.signedCommit),
  ]);
  if (rows.length > 0) {
    const header = ['FILE', 'STATE', 'SIGNED COMMIT', 'KEY', 'REF'];
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
    const line = (cells: string[]) =>
      cells
        .map((c, i) => c.padEnd(widths[i]!))
        .join('  ')
        .trimEnd();
    out.result(out.paint('dim', line(header)));
    report.files.forEach((f, i) => {
      const text = line(rows[i]!);
      out.result(isFailure(f) ? out.paint('red', text) : f.state === 'local' ? out.paint('yellow', text) : text);
    });
  }
  for (const path of report.uncommitted)
    out.info({ level: 'info', text: `${path}: uncommitted change (verified when committed and pushed)` });
  for (const r of report.rejected) out.info({ level: 'info', text: `${recordsOn(r)} did not count: ${r.reason}` });
  for (const pattern of report.emptyPatterns ?? []) out.warn(messages.emptyPatternWarning(pattern, report.commit));
  const failing = report.files.filter(isFailure);
  if (report.status === 'quiet') {
    out.result({
      level: 'info',
      text: `${label}: nothing to verify: no configuration in this commit and no signed commit below it (history from before kmssig)`,
    });
  } else if (report.status === 'pass') {
    const local = report.files.filter((f) => f.state === 'local').length;
    out.result(
      out.paint('green', {
        level: 'ok',
        text: `${label}: ${report.files.length - local} release file(s) verified${local ? `, ${local} local change(s) will be signed on push` : ''}`,
      }),
    );
  } else if (report.status === 'fail') {
    if (report.problem) out.error({ level: 'error', text: report.problem });
    if (failing.length > 0)
      out.error({
        level: 'error',
        text: `${label}: ${failing.length} release file(s) failed verification: ${failing.map((f) => `${f.path} (${stateText(f)})`).join(', ')}; do not use these files until someone with signing rights has checked and signed them`,
      });
  }
}

function keyOf(report: CheckReport, commit: string | undefined): string {
  const signed = [report.signed, ...(report.covering ?? [])].find((s) => s && s.commit === commit);
  return signed ? signed.record.keyId.replace(/^arn:aws:kms:[^:]*:[^:]*:/, '') : '-';
}

function refOf(report: CheckReport, commit: string | undefined): string {
  const signed = [report.signed, ...(report.covering ?? [])].find((s) => s && s.commit === commit);
  return (signed && recordRef(signed.record)?.replace(/^refs\/(heads|tags)\//, '')) || '-';
}
