import { messages } from '../messages.js';
import type { CheckReport } from './report.js';

/** What a listing found beyond the hashed files: listed submodules and patterns that matched nothing. */
export interface Coverage {
  submodules: readonly string[];
  emptyPatterns: readonly string[];
}

/**
 * Adds coverage to a verdict (DESIGN 3.2): a listed submodule fails (kmssig
 * cannot sign one, so whatever it points at is unverified), in place of any
 * other verdict on that path; an empty pattern is a warning. History from
 * before kmssig stays quiet.
 */
export function withCoverage(report: CheckReport, coverage: Coverage): CheckReport {
  if (report.status === 'quiet') return report;
  const result: CheckReport = { ...report, emptyPatterns: [...coverage.emptyPatterns] };
  if (coverage.submodules.length === 0) return result;
  const submodules = new Set(coverage.submodules);
  result.files = [
    ...report.files.filter((f) => !submodules.has(f.path)),
    ...[...submodules].map((path) => ({ path, state: 'submodule' as const })),
  ].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  result.status = 'fail';
  result.problem ??= messages.submoduleInCheck([...submodules]);
  return result;
}
