import { policyProblem, recordRef } from '../../core/policy.js';
import { messages, type Level } from '../../messages.js';
import type { CommandSpec } from '../args.js';
import { render } from '../format/figures.js';
import { short } from '../format/stateText.js';
import { createOutput, type Io } from '../io.js';
import { kmsOptions } from '../kmsOptions.js';
import { openProject, sessionFromFlags } from '../project.js';

export const spec: CommandSpec = {
  name: 'log',
  examples: ['kmssig log', 'kmssig log v1.4.0'],
  usage: 'kmssig log [<rev>]',
  summary:
    'Show the signature records of a commit, or of its nearest signed ancestor: who signed, which key, which ref, when, how many files, and whether each verified.',
  options: { ...kmsOptions },
};

export async function run(values: Record<string, unknown>, positionals: string[], io: Io): Promise<number> {
  const out = createOutput(io);
  const rev = positionals[0] ?? 'HEAD';
  const { repo, commit: start, loaded } = await openProject(io, rev);
  const session = await sessionFromFlags(repo, loaded, values, io, { cache: true, targetRefs: await repo.refsOf(rev, start) });
  // The nearest commit with any record at all; each record is then verified on its own.
  const commits = await repo.revList(start, session.maxCommits);
  const commit = commits.find((c) => session.notes.has(c));
  if (!commit) {
    out.result(`no signature records on ${short(start)} or its ancestors`);
    return 1;
  }
  const parsed = (await session.notes.records([commit])).get(commit) ?? [];
  out.result(`commit ${commit}${commit === start ? '' : ` (nearest signed ancestor of ${short(start)})`}: ${parsed.length} record(s)`);
  let anyValid = false;
  for (const p of parsed) {
    if (!p.ok) {
      out.result(out.paint('red', item('error', `unreadable record: ${p.reason}`)));
      continue;
    }
    const { record } = p;
    const at = await session.policyAt(commit);
    const problem = 'problem' in at ? at.problem : policyProblem(record, at.policy, commit);
    const verdict = problem ? { valid: false as const, reason: problem } : await session.verifier.verify(record, p.line);
    const files = Object.keys(record.files).length;
    if (verdict.valid) {
      anyValid = true;
      out.result(
        out.paint('green', item('ok', `verified: ${files} file(s) for ${recordRef(record) ?? 'no ref'}, ${messages.signedFacts(record)}`)),
      );
    } else {
      // An unverified record's claims are not facts: show only why it failed.
      out.result(out.paint('red', item('error', `not valid: ${verdict.reason}`)));
    }
  }
  return anyValid ? 0 : 1;
}

/** A record's line under its commit, indented with its glyph. */
function item(level: Level, text: string): string {
  return `  ${render({ level, text })}`;
}
