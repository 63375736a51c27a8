import { SEARCH_PLACES } from '../config/searchPlaces.js';
import type { Repo } from '../git/repo.js';

/** The commit that removed a commit's configuration, and the file it was in. */
export interface ConfigRemoval {
  path: string;
  commit: string;
}

const PACKAGE_JSON = 'package.json';
/** A line that opens package.json's "kmssig" object: a dependency on kmssig is a string, never an object. */
const PACKAGE_KEY = '"kmssig"[[:space:]]*:[[:space:]]*\\{';
/** package.json changes of that line to look at, newest first: the first one is the removal in practice. */
const MAX_PACKAGE_CHANGES = 20;

/**
 * Where the configuration of a commit that has none went (DESIGN 3.4 item 6):
 * the newest commit in its history that deleted (or renamed away) a
 * configuration file, or removed the "kmssig" key of package.json.
 * Undefined when its history never had one: history from before kmssig.
 * A removal is never signed: a commit without configuration has no release
 * files to sign.
 */
export async function findConfigRemoval(repo: Repo, commit: string): Promise<ConfigRemoval | undefined> {
  const files = SEARCH_PLACES.filter((p) => p !== PACKAGE_JSON);
  const [deleted, fromPackage] = await Promise.all([repo.lastDeletion(commit, files), packageKeyRemoval(repo, commit)]);
  const fromFile = deleted && { commit: deleted.commit, path: deleted.paths[0] ?? files[0]! };
  if (!fromFile || !fromPackage) return fromFile ?? fromPackage;
  // Both (the configuration moved once, then went): the newer one removed it.
  return (await repo.isAncestor(fromFile.commit, fromPackage.commit)) ? fromPackage : fromFile;
}

async function packageKeyRemoval(repo: Repo, commit: string): Promise<ConfigRemoval | undefined> {
  for (const candidate of await repo.changesMatching(commit, PACKAGE_JSON, PACKAGE_KEY, MAX_PACKAGE_CHANGES)) {
    const [parent] = await repo.parents(candidate);
    if (!parent) continue;
    const [before, after] = await Promise.all([repo.readAt(parent, [PACKAGE_JSON]), repo.readAt(candidate, [PACKAGE_JSON])]);
    if (hasKmssigKey(before.get(PACKAGE_JSON)) && !hasKmssigKey(after.get(PACKAGE_JSON))) return { commit: candidate, path: PACKAGE_JSON };
  }
  return undefined;
}

function hasKmssigKey(text: string | undefined): boolean {
  if (text === undefined) return false;
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.hasOwn(value, 'kmssig');
  } catch {
    return false;
  }
}
