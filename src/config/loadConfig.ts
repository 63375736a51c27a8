import { defaultLoaders } from 'cosmiconfig';
import { SIMPLE_GIT_HOOKS_KEY } from '../core/hookManagers.js';
import { KmssigError } from '../errors.js';
import { messages } from '../messages.js';
import { configSchema, type Config } from './schema.js';
import { META_PLACES, REFUSED_PLACES, SEARCH_PLACES } from './searchPlaces.js';

export { SEARCH_PLACES };

/** A validated configuration and the repository-relative path of the file it came from. */
export interface LoadedConfig {
  config: Config;
  /** POSIX path relative to the repository root, e.g. `.kmssigrc`. */
  path: string;
  /** Other files whose content decides which hooks run, always signed (package.json with a hook manager's key). */
  alsoSigned?: string[];
}

/**
 * Where configuration text comes from: a commit's tree (git objects) or the
 * working tree. Either way it is only read, as data (DESIGN 3.4).
 */
export interface ConfigSource {
  /** Where the text comes from, for messages (`HEAD (1a2b3c4d5e6f)`, `the working tree`). */
  label: string;
  /** The text of each of these root-relative paths that exists. */
  read(paths: readonly string[]): Promise<Map<string, string>>;
}

/**
 * Loads the configuration from a source: cosmiconfig's search places and
 * loaders, fed with the file's text, so that a commit's tree and the working
 * tree are read the same way. Resolves undefined when there is none; throws
 * CONFIG (exit 2) when it is invalid, ambiguous, or anything but data.
 */
export async function loadConfig(source: ConfigSource): Promise<LoadedConfig | undefined> {
  const texts = await source.read([...SEARCH_PLACES, ...REFUSED_PLACES, ...META_PLACES]);
  const refused = REFUSED_PLACES.find((p) => texts.has(p));
  if (refused) throw new KmssigError('CONFIG', messages.configIsCode(refused, source.label));
  const meta = META_PLACES.find((p) => texts.has(p) && hasKey(tryParse(p, texts.get(p)!), 'cosmiconfig'));
  if (meta) throw new KmssigError('CONFIG', messages.configIsMeta(meta, source.label));

  const found: { path: string; value: unknown }[] = [];
  for (const path of SEARCH_PLACES) {
    const text = texts.get(path);
    if (text === undefined) continue;
    const parsed = parseText(path, text);
    if (path === 'package.json') {
      if (hasKey(parsed, 'kmssig')) found.push({ path, value: (parsed as Record<string, unknown>).kmssig });
    } else if (parsed !== undefined && parsed !== null) found.push({ path, value: parsed });
  }
  if (found.length === 0) return undefined;
  if (found.length > 1)
    throw new KmssigError(
      'CONFIG',
      messages.configAmbiguous(
        found.map((f) => f.path),
        source.label,
      ),
    );
  const { path, value } = found[0]!;
  if (hasKey(value, '$import')) throw new KmssigError('CONFIG', messages.configImport(path));
  const pkg = texts.has('package.json') ? tryParse('package.json', texts.get('package.json')!) : undefined;
  return { config: validate(path, value), path, alsoSigned: hasKey(pkg, SIMPLE_GIT_HOOKS_KEY) ? ['package.json'] : [] };
}

/** Validates parsed configuration data; CONFIG names the file, the key and the rule. */
export function validate(path: string, value: unknown): Config {
  const parsed = configSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const key = [...issue.path, ...('keys' in issue && issue.code === 'unrecognized_keys' ? [issue.keys[0]] : [])].join('.');
  throw new KmssigError('CONFIG', messages.configInvalid(path, key || '(top level)', describeIssue(issue)));
}

/** cosmiconfig's loader for the file's name (files without an extension are YAML, which includes JSON). */
function parseText(path: string, text: string): unknown {
  const loader = path.endsWith('.json') ? defaultLoaders['.json'] : defaultLoaders['.yaml'];
  try {
    return loader(path, text);
  } catch (error) {
    throw new KmssigError('CONFIG', messages.configSyntax(path, syntaxProblem(text, error)), { cause: error });
  }
}

function tryParse(path: string, text: string): unknown {
  try {
    return parseText(path, text);
  } catch {
    return undefined;
  }
}

/**
 * `line:column: reason` from the parsers' errors: js-yaml gives a mark,
 * JSON.parse a position in the text (parse-json's own text reflows it).
 */
export function syntaxProblem(text: string, error: unknown): string {
  const e = error as { mark?: { line: number; column: number }; reason?: string; message?: string };
  if (e.mark && e.reason) return `line ${e.mark.line + 1}, column ${e.mark.column + 1}: ${e.reason}`;
  try {
    JSON.parse(text);
  } catch (json) {
    const message = (json as Error).message;
    const at = /at position (\d+)/.exec(message) ?? (/end of JSON input/.test(message) ? ['', String(text.trimEnd().length)] : null);
    const reason = message
      .replace(/ in JSON at position \d+.*$/s, '')
      .replace(/^Unexpected end of JSON input$/, 'unexpected end of the file');
    if (at) {
      const before = text.slice(0, Number(at[1]));
      const line = before.split('\n').length;
      return `line ${line}, column ${before.length - before.lastIndexOf('\n')}: ${reason}`;
    }
    return reason;
  }
  return (e.message ?? String(error)).split('\n').find((l) => l.trim() !== '' && !/Error in /.test(l)) ?? 'cannot be parsed';
}

function hasKey(value: unknown, key: string): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.hasOwn(value, key);
}

function describeIssue(issue: { code: string; message: string; values?: unknown[] }): string {
  if (issue.code === 'unrecognized_keys') return 'unknown key; see .kmssigrc.example for the keys kmssig reads';
  if (issue.code === 'invalid_value' && issue.values) return `allowed values: ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
  return issue.message.replace(/^Invalid input: /, '');
}
