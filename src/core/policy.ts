import micromatch from 'micromatch';
import type { SignatureRecord } from './record.js';

/** What a record must satisfy, besides its signature, to count (DESIGN 3, rule 2). */
export interface Policy {
  /** Allowed key ARNs; empty means any key. */
  keys: readonly string[];
  /** Allowed refs as glob patterns on full ref names; empty means any ref. */
  refs: readonly string[];
  /** Static pairs every record must carry with the same values. */
  context: Readonly<Record<string, string>>;
  /** Context keys that must be present. */
  requireContext: readonly string[];
}

/** The policy for records at one commit, or why none can be had (its configuration is unreadable). */
export type PolicyAt = { policy: Policy } | { problem: string };

export const openPolicy: Policy = { keys: [], refs: [], context: {}, requireContext: [] };

/** A pattern without `refs/` means a branch: `main` is `refs/heads/main`. */
export function fullRefPattern(pattern: string): string {
  return pattern.startsWith('refs/') ? pattern : `refs/heads/${pattern}`;
}

/** Whether a full ref name matches any of the allowed ref patterns. */
export function refAllowed(fullRef: string, patterns: readonly string[]): boolean {
  return micromatch.isMatch(fullRef, patterns.map(fullRefPattern), { dot: true });
}

/** The full ref name a record was signed for, from its context. */
export function recordRef(record: Pick<SignatureRecord, 'context'>): string | undefined {
  if (Object.hasOwn(record.context, 'branch')) return `refs/heads/${record.context.branch}`;
  if (Object.hasOwn(record.context, 'tag')) return `refs/tags/${record.context.tag}`;
  return undefined;
}

/**
 * Returns why a record fails the policy for `commit` (undefined when it
 * passes). Checked before any KMS call: it costs nothing and a replayed
 * record must never reach the signature check as a candidate. The reason
 * never repeats the record's own claims (commit, key, ref): they are not
 * verified, so they are not shown as facts (DESIGN 3, rule 5).
 */
export function policyProblem(
  record: Pick<SignatureRecord, 'keyId' | 'context'>,
  policy: Policy,
  commit: string | undefined,
): string | undefined {
  if (commit !== undefined && record.context.commit !== commit) return 'record is for another commit, not this one';
  if (policy.keys.length > 0 && !policy.keys.includes(record.keyId)) return 'its key is not among the allowed keys (verify.keys or --key)';
  if (policy.refs.length > 0) {
    const ref = recordRef(record);
    if (ref === undefined || !refAllowed(ref, policy.refs)) {
      return 'its branch or tag is not among the allowed refs (verify.refs or --ref)';
    }
  }
  // Own keys only: a context is parsed JSON, and `toString` or `constructor` must not count as present.
  for (const [key, value] of Object.entries(policy.context)) {
    if (!Object.hasOwn(record.context, key) || record.context[key] !== value) return `context ${key} is not ${JSON.stringify(value)}`;
  }
  for (const key of policy.requireContext) {
    if (!Object.hasOwn(record.context, key)) return `context ${key} is missing`;
  }
  return undefined;
}
