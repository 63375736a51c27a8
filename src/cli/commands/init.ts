import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BUILD_FOLDERS, initConfigText, repoSlug } from '../../config/initTemplate.js';
import { INIT_PLACEHOLDER_KEY } from '../../config/schema.js';
import { REFUSED_PLACES, SEARCH_PLACES } from '../../config/searchPlaces.js';
import { KmssigError } from '../../errors.js';
import { Repo } from '../../git/repo.js';
import { messages } from '../../messages.js';
import { stringOption, type CommandSpec } from '../args.js';
import { createOutput, type Io } from '../io.js';
import { createKms } from '../../kms/createKms.js';
import { readPin } from '../../usecases/pin.js';
import { kmsTimeoutMs } from '../kmsOptions.js';
import { run as install } from './install.js';
import { run as trust } from './trust.js';

const FILE = '.kmssigrc';

export const spec: CommandSpec = {
  name: 'init',
  usage: 'kmssig init [--key <arn|alias>] [--no-install] [--no-fetch]',
  summary:
    "Start using kmssig in this repository: write a commented .kmssigrc (YAML) from what is here (the build folders dist/, build/, release/, out/ that exist; the key from --key, else a placeholder that sign and check refuse; the repository's name from origin as context), run kmssig install (through the hook manager, if the repository uses one), and print the next steps. Never overwrites a configuration.",
  options: {
    key: { type: 'string', value: 'arn|alias', help: 'the KMS key that signs releases (default: a placeholder to replace)' },
    'no-install': { type: 'boolean', help: 'only write the configuration; run kmssig install later' },
    'no-fetch': { type: 'boolean', help: 'passed to install: do not fetch the signatures now' },
  },
  examples: ['npx kmssig init --key alias/release', 'npx kmssig init --no-install   # review .kmssigrc first, then kmssig install'],
};

export async function run(values: Record<string, unknown>, _positionals: string[], io: Io): Promise<number> {
  const out = createOutput(io);
  const repo = await Repo.open(io.cwd, io.env);
  const existing = existingConfig(repo.root);
  if (existing) throw new KmssigError('CONFIG', messages.initExists(existing));

  const key = stringOption(values, 'key');
  const folders = BUILD_FOLDERS.filter((f) => statSync(join(repo.root, f), { throwIfNoEntry: false })?.isDirectory());
  const files = folders.length > 0 ? folders.map((f) => `${f}/**`) : ['dist/**'];
  const slug = repoSlug(await repo.configGet('remote.origin.url'));
  const text = initConfigText({ keyId: key ?? INIT_PLACEHOLDER_KEY, files, ...(slug ? { repo: slug } : {}) });
  // 'wx': created here or not at all, so a file that appeared meanwhile is never replaced.
  writeFileSync(join(repo.root, FILE), text, { flag: 'wx' });
  out.result(messages.initWrote(FILE, key ?? INIT_PLACEHOLDER_KEY, files));
  if (folders.length === 0)
    out.warn(
      messages.initNoBuildFolder(
        FILE,
        BUILD_FOLDERS.map((f) => `${f}/`),
      ),
    );
  if (!key) out.warn(messages.initPlaceholder(FILE));

  if (values['no-install'] !== true) {
    const code = await install({ 'no-fetch': values['no-fetch'] === true }, [], io);
    if (code !== 0) return code;
    if (key) await pinNamedKey(repo, key, slug ? `repo=${slug}` : undefined, io);
  }
  out.result(messages.initNextSteps(FILE, key, slug ? `repo=${slug}` : undefined));
  return 0;
}

/** The configuration this repository already has, in any place kmssig reads or refuses. */
function existingConfig(root: string): string | undefined {
  for (const place of [...SEARCH_PLACES, ...REFUSED_PLACES]) {
    const path = join(root, place);
    if (!existsSync(path)) continue;
    if (place !== 'package.json') return place;
    try {
      const pkg = JSON.parse(readFileSync(path, 'utf8')) as unknown;
      if (typeof pkg === 'object' && pkg !== null && Object.hasOwn(pkg, 'kmssig')) return 'package.json ("kmssig" key)';
    } catch {
      // A package.json that is not JSON configures nothing here; npm will say what is wrong with it.
    }
  }
  return undefined;
}

/**
 * A repository adopting kmssig has no signed history to vouch for a key, so
 * first use pins nothing (DESIGN 3.4, rule 9); the key the user names here is
 * the explicit trust it asks for, pinned as `kmssig trust --key` pins it
 * (with the repository's name as context). Where install pinned from a
 * history, that pin stays. KMS resolves an alias to the key ARN a record holds.
 */
async function pinNamedKey(repo: Repo, key: string, context: string | undefined, io: Io): Promise<void> {
  if (await readPin(repo)) return;
  try {
    const arn = /^(arn:|local:)/.test(key)
      ? key
      : (await createKms({ baseDir: repo.root, timeoutMs: kmsTimeoutMs(io.env) ?? 5000 }).describeKey(key)).arn;
    await trust({ key: [arn], ...(context ? { context: [context] } : {}) }, [], io);
  } catch (error) {
    createOutput(io).warn(messages.initNotPinned(key, (error as Error).message));
  }
}
