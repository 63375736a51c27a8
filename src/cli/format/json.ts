import type { Policy } from '../../core/policy.js';
import type { CheckReport } from '../../core/report.js';
import { messages } from '../../messages.js';
import { stateText } from './stateText.js';

/** One JSON document with the facts of the human report (never colored). */
export function toJson(report: CheckReport, policy: Policy, rev: string): string {
  const signed = report.signed && {
    commit: report.signed.commit,
    keyId: report.signed.record.keyId,
    alg: report.signed.record.alg,
    context: report.signed.record.context,
    signedAt: report.signed.record.signedAt,
  };
  return JSON.stringify(
    {
      result: report.status,
      rev,
      commit: report.commit,
      worktree: report.worktree,
      signed: signed ?? null,
      files: report.files.map((f) => ({ path: f.path, state: f.state, description: stateText(f), signedCommit: f.signedCommit ?? null })),
      rejected: report.rejected,
      problem: report.problem ?? null,
      uncommitted: report.uncommitted,
      // Warnings never change the result: a pattern that matches nothing signs and verifies nothing.
      warnings: (report.emptyPatterns ?? []).map((pattern) => ({
        kind: 'empty-pattern',
        pattern,
        message: messages.emptyPatternWarning(pattern, report.commit).text,
      })),
      policy,
    },
    null,
    2,
  );
}

/** The document for a check that could not decide (exit 2 or 3): never a pass. */
export function toJsonError(rev: string, exitCode: number, message: string): string {
  return JSON.stringify({ result: 'error', rev, exitCode, problem: message }, null, 2);
}
