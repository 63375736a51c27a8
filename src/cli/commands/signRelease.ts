import { KmssigError } from '../../errors.js';
import { isLocalKeyId } from '../../kms/localKey.js';
import { messages } from '../../messages.js';
import { parseRef, signRelease, type SignRef } from '../../usecases/signRelease.js';
import type { Repo } from '../../git/repo.js';
import { acceptCommand, findForeignFiles } from '../../usecases/noLaundering.js';
import { listOption, stringOption } from '../args.js';
import { createOutput, type Io } from '../io.js';
import { openProject, sessionFromFlags } from '../project.js';

/** `kmssig sign` without positionals: one record for the listed files of --rev, for --ref. */
export async function run(values: Record<string, unknown>, io: Io): Promise<number> {
  const out = createOutput(io);
  // The configuration of the commit signed, whatever is checked out (DESIGN 3.4, rule 2).
  const { repo, commit, loaded } = await openProject(io, stringOption(values, 'rev') ?? 'HEAD');
  const ref = await refToSign(repo, stringOption(values, 'ref'), commit);
  const session = await sessionFromFlags(repo, loaded, { ...values, ref: undefined }, io, {
    cache: true,
    commit,
    targetRefs: [`refs/${ref.kind === 'tag' ? 'tags' : 'heads'}/${ref.name}`],
  });
  if (isLocalKeyId(loaded.config.keyId)) out.warn(messages.localKeyWarning(loaded.config.keyId));
  // No laundering (DESIGN 3.1): foreign content is signed only when the person running this names it.
  const accepted = listOption(values, 'accept');
  const { foreign, noReflog } = await findForeignFiles(session, commit);
  for (const path of accepted) if (!foreign.some((f) => f.path === path)) throw new KmssigError('USAGE', messages.acceptUnknown(path));
  const refused = foreign.filter((f) => !accepted.includes(f.path));
  if (refused.length > 0) {
    const fix = acceptCommand(
      commit,
      ref,
      refused.map((f) => f.path),
    );
    throw new KmssigError('INVALID', messages.launderingBlocked('sign', commit, refused, noReflog, fix));
  }
  for (const f of foreign) out.warn(messages.acceptedForeign(f));
  const [outcome] = await signRelease(session, [{ commit, ref }]);
  const files = Object.keys(outcome!.record.files).length;
  out.result(
    outcome!.signed
      ? `signed ${files} release files at ${commit.slice(0, 12)} for ${ref.kind} ${ref.name} with ${outcome!.record.keyId}`
      : `already signed: ${commit.slice(0, 12)} for ${ref.kind} ${ref.name} (nothing to do)`,
  );
  return 0;
}

/** --ref, else the current branch; on a detached HEAD the one tag that points at the commit. */
async function refToSign(repo: Repo, given: string | undefined, commit: string): Promise<SignRef> {
  if (given) {
    const exists = (name: string) => repo.refExists(name);
    let full = given.startsWith('refs/') ? given : `refs/heads/${given}`;
    if (!given.startsWith('refs/') && !(await exists(full)) && (await exists(`refs/tags/${given}`))) full = `refs/tags/${given}`;
    const ref = parseRef(full);
    if (!ref) throw new KmssigError('USAGE', messages.badRef(given));
    return ref;
  }
  const branch = await repo.currentBranch();
  if (branch) return parseRef(branch)!;
  const tags = await repo.tagsAt(commit);
  if (tags.length === 1) return parseRef(tags[0]!)!;
  throw new KmssigError('USAGE', messages.detachedNoRef());
}
