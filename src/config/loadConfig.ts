import { relative } from 'node:path';
import { cosmiconfig } from 'cosmiconfig';
import { KmssigError } from '../errors.js';
import { messages } from '../messages.js';
import { configSchema, type Config } from './schema.js';
import { SEARCH_PLACES } from './searchPlaces.js';

export { SEARCH_PLACES };

/** A validated configuration and the repository-relative path of the file it came from. */
export interface LoadedConfig {
  config: Config;
  /** POSIX path relative to the repository root, e.g. `.kmssigrc`. */
  path: string;
}

/**
 * Loads the configuration from the repository root only (never from a parent
 * folder: a repository's policy must not come from outside it). Resolves
 * undefined when there is none; throws CONFIG (exit 2) when it is invalid.
 */
export async function loadConfig(root: string): Promise<LoadedConfig | undefined> {
  const explorer = cosmiconfig('kmssig', { searchPlaces: SEARCH_PLACES, searchStrategy: 'none', cache: false });
  let found;
  try {
    found = await explorer.search(root);
  } catch (error) {
    const where = (error as { filepath?: string }).filepath ?? root;
    throw new KmssigError('CONFIG', messages.configUnreadable(relative(root, where) || where, firstLine(error)), { cause: error });
  }
  if (!found || found.isEmpty) return undefined;
  const path = relative(root, found.filepath).split('\\').join('/');
  const parsed = configSchema.safeParse(found.config);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const key = [...issue.path, ...('keys' in issue && issue.code === 'unrecognized_keys' ? [issue.keys[0]] : [])].join('.');
    throw new KmssigError('CONFIG', messages.configInvalid(path, key || '(top level)', describeIssue(issue)));
  }
  return { config: parsed.data, path };
}

function describeIssue(issue: { code: string; message: string; values?: unknown[] }): string {
  if (issue.code === 'unrecognized_keys') return 'unknown key; see .kmssigrc.example for the keys kmssig reads';
  if (issue.code === 'invalid_value' && issue.values) return `allowed values: ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
  return issue.message.replace(/^Invalid input: /, '');
}

function firstLine(error: unknown): string {
  return ((error as Error)?.message ?? String(error)).split('\n')[0] ?? '';
}
