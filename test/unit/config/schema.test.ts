import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadConfig, SEARCH_PLACES } from '../../../src/config/loadConfig.js';
import { worktreeSource } from '../../../src/usecases/configAt.js';
import { configSchema, GIT_CONTEXT_KEYS } from '../../../src/config/schema.js';
import { KmssigError } from '../../../src/errors.js';

/** The issue zod reports for an invalid configuration: its path (with an unknown key appended) and code. */
function problem(config: unknown): { path: string; code: string; message: string } {
  const parsed = configSchema.safeParse(config);
  assert.equal(parsed.success, false, `accepted: ${JSON.stringify(config)}`);
  const issue = parsed.error.issues[0]!;
  const keys = issue.code === 'unrecognized_keys' ? issue.keys : [];
  return { path: [...issue.path, ...keys].join('.'), code: issue.code, message: issue.message };
}

describe('configSchema', () => {
  it('needs only files; every other key has a default', () => {
    const parsed = configSchema.parse({ files: ['dist/**'] });
    assert.deepEqual(parsed, {
      files: ['dist/**'],
      exclude: [],
      allowEmpty: [],
      context: {},
      git: { branch: true, author: true, remote: false },
      verify: { keys: [], refs: [], requireContext: [], publicKeys: [], maxCommits: 100_000 },
      sign: { maxCommitsPerPush: 100 },
      hooks: { 'pre-push': 'block', 'post-merge': 'block', 'post-checkout': 'block', 'post-rewrite': 'block' },
    });
  });

  it('fills defaults inside a partly written section', () => {
    const parsed = configSchema.parse({
      files: ['dist/**'],
      git: { author: false },
      verify: { refs: ['main'] },
      hooks: { 'post-merge': 'warn' },
    });
    assert.deepEqual(parsed.git, { branch: true, author: false, remote: false });
    assert.deepEqual(parsed.verify.refs, ['main']);
    assert.deepEqual(parsed.verify.keys, []);
    assert.equal(parsed.hooks['post-merge'], 'warn');
    assert.equal(parsed.hooks['pre-push'], 'block');
  });

  it('accepts a full configuration', () => {
    const full = {
      keyId: 'alias/release',
      region: 'eu-west-1',
      endpoint: 'https://kms.eu-west-1.amazonaws.com',
      algorithm: 'ECDSA_SHA_256',
      files: ['dist/**', 'release/manifest.json'],
      exclude: ['**/*.map'],
      allowEmpty: ['release/manifest.json'],
      context: { repo: 'acme/app', purpose: 'release' },
      git: { branch: true, author: true, remote: true },
      verify: {
        keys: ['arn:aws:kms:eu-west-1:123456789012:key/x'],
        refs: ['main', 'refs/tags/v*'],
        requireContext: ['author'],
        publicKeys: ['keys/release.pem'],
        maxCommits: 5000,
      },
      sign: { maxCommitsPerPush: 20 },
      hooks: { 'pre-push': 'block', 'post-merge': 'warn', 'post-checkout': 'off', 'post-rewrite': 'block' },
    };
    assert.deepEqual(configSchema.parse(full), full);
  });

  it('files is required and must not be empty', () => {
    assert.equal(problem({ keyId: 'alias/x' }).path, 'files');
    assert.equal(problem({ files: [] }).path, 'files');
    assert.equal(problem({ files: 'dist/**' }).path, 'files');
    assert.equal(problem({ files: [''] }).path, 'files.0');
  });

  it('refuses unknown keys, at the top level and in every section (a typo must not disable a check)', () => {
    for (const [config, path] of [
      [{ files: ['x'], verfy: {} }, 'verfy'],
      [{ files: ['x'], verify: { key: [] } }, 'verify.key'],
      [{ files: ['x'], git: { tag: true } }, 'git.tag'],
      [{ files: ['x'], hooks: { 'pre-commit': 'block' } }, 'hooks.pre-commit'],
      [{ files: ['x'], sign: { max: 1 } }, 'sign.max'],
    ] as const) {
      const p = problem(config);
      assert.equal(p.code, 'unrecognized_keys');
      assert.equal(p.path, path);
    }
  });

  it('patterns must be relative to the repository root, without ..', () => {
    for (const bad of ['/etc/*', '../other/**', 'dist/../../x']) {
      assert.equal(problem({ files: [bad] }).path, 'files.0', bad);
      assert.equal(problem({ files: ['x'], exclude: [bad] }).path, 'exclude.0', bad);
      assert.equal(problem({ files: ['x'], verify: { publicKeys: [bad] } }).path, 'verify.publicKeys.0', bad);
    }
  });

  it('static context: string values, no aws prefix, none of the keys git fills in', () => {
    assert.equal(problem({ files: ['x'], context: { 'aws:region': 'x' } }).path, 'context.aws:region');
    assert.equal(problem({ files: ['x'], context: { AWSx: 'x' } }).path, 'context.AWSx');
    assert.equal(problem({ files: ['x'], context: { stage: 1 } }).path, 'context.stage');
    for (const key of GIT_CONTEXT_KEYS) assert.equal(problem({ files: ['x'], context: { [key]: 'x' } }).path, `context.${key}`, key);
    assert.ok(GIT_CONTEXT_KEYS.includes('commit'), 'commit cannot be set, or turned off, by the configuration');
  });

  it('a reserved context key is named with its rule, not as a bare invalid key', () => {
    for (const key of ['awsRegion', 'AWS:x', 'aws']) {
      const p = problem({ files: ['x'], context: { stage: 'prod', [key]: 'x' } });
      assert.equal(p.path, `context.${key}`);
      assert.equal(
        p.message,
        `${JSON.stringify(key)} is reserved: KMS refuses encryption-context keys that start with 'aws' (any case); rename the key`,
      );
    }
    for (const key of GIT_CONTEXT_KEYS) {
      const p = problem({ files: ['x'], context: { [key]: 'x' } });
      assert.match(p.message, new RegExp(`^"${key}" is reserved: kmssig sets commit, branch, tag, author, remote from git`), key);
    }
    assert.equal(problem({ files: ['x'], context: { '': 'x' } }).message, 'a context key must not be empty');
    // Keys that merely contain a reserved word are ordinary.
    assert.deepEqual(configSchema.parse({ files: ['x'], context: { committer: 'a', myaws: 'b' } }).context, { committer: 'a', myaws: 'b' });
  });

  it('allowEmpty holds patterns of files, written as there', () => {
    assert.deepEqual(configSchema.parse({ files: ['dist/**', 'docs/*.pdf'], allowEmpty: ['docs/*.pdf'] }).allowEmpty, ['docs/*.pdf']);
    const p = problem({ files: ['dist/**', 'docs/*.pdf'], allowEmpty: ['docs/*.pdf', 'doc/*.pdf'] });
    assert.equal(p.path, 'allowEmpty.1');
    assert.match(p.message, /"doc\/\*\.pdf" is not one of the files patterns/);
    assert.equal(problem({ files: ['x'], allowEmpty: ['/x'] }).path, 'allowEmpty.0');
  });

  it('enumerated values: hook modes and algorithms', () => {
    const hook = problem({ files: ['x'], hooks: { 'post-merge': 'sometimes' } });
    assert.equal(hook.path, 'hooks.post-merge');
    assert.equal(hook.code, 'invalid_value');
    assert.equal(problem({ files: ['x'], algorithm: 'RSASSA_PKCS1_V1_5_SHA_256' }).path, 'algorithm');
    assert.equal(problem({ files: ['x'], algorithm: 'SYMMETRIC_DEFAULT' }).path, 'algorithm');
  });

  it('types: endpoint is a URL, booleans are booleans, counts are positive integers', () => {
    assert.equal(problem({ files: ['x'], endpoint: 'localhost:4566' }).path, 'endpoint');
    assert.equal(problem({ files: ['x'], endpoint: 'ftp://kms.example' }).path, 'endpoint');
    assert.equal(configSchema.parse({ files: ['x'], endpoint: 'http://127.0.0.1:4566' }).endpoint, 'http://127.0.0.1:4566');
    assert.equal(problem({ files: ['x'], git: { author: 'no' } }).path, 'git.author');
    assert.equal(problem({ files: ['x'], verify: { maxCommits: 0 } }).path, 'verify.maxCommits');
    assert.equal(problem({ files: ['x'], verify: { maxCommits: 1.5 } }).path, 'verify.maxCommits');
    assert.equal(problem({ files: ['x'], sign: { maxCommitsPerPush: -1 } }).path, 'sign.maxCommitsPerPush');
    assert.equal(problem({ files: ['x'], keyId: '' }).path, 'keyId');
  });
});

describe('.kmssigrc.example', () => {
  const example = readFileSync(fileURLToPath(new URL('../../../.kmssigrc.example', import.meta.url)), 'utf8');

  it('is a valid configuration (it parses as YAML through the loader)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kmssig-example-'));
    try {
      writeFileSync(join(dir, '.kmssigrc'), example);
      const loaded = await loadConfig(worktreeSource(dir));
      assert.ok(loaded);
      assert.equal(loaded.path, '.kmssigrc');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('documents every key of the schema, each with a comment', () => {
    const keys = (shape: Record<string, unknown>, prefix = ''): string[] =>
      Object.entries(shape).flatMap(([key, schema]) => {
        let inner = schema as { def?: { innerType?: unknown; shape?: Record<string, unknown> }; shape?: Record<string, unknown> };
        while (inner.def?.innerType) inner = inner.def.innerType;
        const nested = inner.shape ?? inner.def?.shape;
        return nested ? [`${prefix}${key}`, ...keys(nested, `${prefix}${key}.`)] : [`${prefix}${key}`];
      });
    const all = keys(configSchema.shape);
    assert.ok(all.includes('verify.requireContext') && all.includes('hooks.pre-push'), all.join(', '));
    const lines = example.split('\n');
    for (const key of all) {
      const name = key.split('.').pop()!;
      const at = lines.findIndex((l) => new RegExp(`^\\s*#?\\s*['"]?${name.replace(/[-.]/g, '\\$&')}['"]?:`).test(l));
      assert.ok(at >= 0, `${key} is not in .kmssigrc.example`);
      assert.match(lines[at - 1] ?? '', /^\s*#/, `${key} has no comment above it`);
    }
  });
});

describe('loadConfig', () => {
  const dirs: string[] = [];
  const folder = (files: Record<string, string>) => {
    const dir = mkdtempSync(join(tmpdir(), 'kmssig-config-'));
    dirs.push(dir);
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(join(dir, path, '..'), { recursive: true });
      writeFileSync(join(dir, path), text);
    }
    return dir;
  };
  after(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  async function configError(dir: string): Promise<KmssigError> {
    try {
      await loadConfig(worktreeSource(dir));
    } catch (error) {
      assert.ok(error instanceof KmssigError, String(error));
      assert.equal(error.code, 'CONFIG');
      assert.equal(error.exitCode, 2);
      return error;
    }
    assert.fail('the configuration was accepted');
  }

  it('names the file, the key and what is wrong', async () => {
    assert.match((await configError(folder({ '.kmssigrc': '{"keyId":"alias/x"}' }))).message, /\.kmssigrc: files: /);
    assert.match(
      (await configError(folder({ '.kmssigrc.json': '{"files":["x"],"verify":{"ref":["main"]}}' }))).message,
      /\.kmssigrc\.json: verify\.ref: unknown key/,
    );
    assert.match(
      (await configError(folder({ '.kmssigrc.yml': 'files: [x]\nhooks:\n  pre-push: loud\n' }))).message,
      /\.kmssigrc\.yml: hooks\.pre-push: allowed values: "block", "warn", "off"/,
    );
    assert.match(
      (await configError(folder({ '.kmssigrc.json': '{"files": [' }))).message,
      /cannot parse the configuration \.kmssigrc\.json: line 1, column 12: unexpected end of the file; fix the syntax/,
    );
    assert.match(
      (await configError(folder({ '.kmssigrc.yml': 'files:\n  - a\n - b\n' }))).message,
      /cannot parse the configuration \.kmssigrc\.yml: line 3, column 2: .+; fix the syntax/,
    );
    assert.match(
      (await configError(folder({ 'package.json': '{\n  "name": "x",\n  "kmssig": {"files": ["x"]},\n}\n' }))).message,
      /cannot parse the configuration package\.json: line 4, column 1: Expected double-quoted property name; fix the syntax/,
    );
    assert.match(
      (await configError(folder({ '.kmssigrc': 'files: [x]\nendpoint: localhost:4566\n' }))).message,
      /\.kmssigrc: endpoint: must be an http\(s\) URL/,
    );
    assert.equal(
      (await configError(folder({ '.kmssigrc': 'files: [x]\ncontext:\n  branch: main\n' }))).message,
      `invalid configuration in .kmssigrc: context.branch: "branch" is reserved: kmssig sets commit, branch, tag, author, remote from git, so a static pair may not take them over; rename the key (the git option says which git fields go into the context)`,
    );
  });

  it('reads the repository root only, never a parent or a sub folder', async () => {
    const parent = folder({ '.kmssigrc': '{"files":["x"]}', 'repo/src/.kmssigrc': '{"files":["y"]}', 'repo/README.md': '' });
    assert.equal(await loadConfig(worktreeSource(join(parent, 'repo'))), undefined);
  });

  it('finds every documented data file name, and refuses two at once', async () => {
    assert.deepEqual(SEARCH_PLACES, ['package.json', '.kmssigrc', '.kmssigrc.json', '.kmssigrc.yaml', '.kmssigrc.yml']);
    const pkg = folder({ 'package.json': '{"name":"x","kmssig":{"files":["from-package"]}}' });
    assert.deepEqual((await loadConfig(worktreeSource(pkg)))!.config.files, ['from-package']);
    assert.equal((await loadConfig(worktreeSource(pkg)))!.path, 'package.json');
    const plain = folder({ 'package.json': '{"name":"x"}', '.kmssigrc.yaml': 'files: [from-yaml]\n' });
    assert.deepEqual((await loadConfig(worktreeSource(plain)))!.config.files, ['from-yaml']);
    const both = folder({ 'package.json': '{"name":"x","kmssig":{"files":["a"]}}', '.kmssigrc': '{"files":["b"]}' });
    assert.match((await configError(both)).message, /more than one kmssig configuration \(package\.json, \.kmssigrc\): keep exactly one/);
  });

  it('refuses JavaScript configuration, meta configuration and $import, running none of it (DESIGN 3.4)', async () => {
    const marker = join(tmpdir(), `kmssig-ran-${process.pid}`);
    const code = `require('fs').writeFileSync(${JSON.stringify(marker)}, 'ran'); module.exports = { files: ['x'] };`;
    for (const name of ['.kmssigrc.cjs', '.kmssigrc.js', '.kmssigrc.mjs', '.kmssigrc.ts', 'kmssig.config.cjs', 'kmssig.config.mjs']) {
      const error = await configError(folder({ [name]: code, '.kmssigrc': '{"files":["x"]}' }));
      assert.match(
        error.message,
        new RegExp(`${name.replace(/\./g, '\\.')} in the working tree is refused: .*data only.*move the settings to \\.kmssigrc`),
      );
    }
    assert.match(
      (await configError(folder({ '.config/kmssigrc.json': '{"files":["x"]}' }))).message,
      /\.config\/kmssigrc\.json .* is refused/,
    );
    assert.match(
      (await configError(folder({ '.config/config.json': '{"cosmiconfig":{"searchPlaces":["x.js"]}}', '.kmssigrc': '{"files":["x"]}' })))
        .message,
      /\.config\/config\.json .* configures cosmiconfig, which kmssig refuses/,
    );
    // Another tool's .config/config.json is no business of kmssig's.
    assert.ok(await loadConfig(worktreeSource(folder({ '.config/config.json': '{"other":1}', '.kmssigrc': '{"files":["x"]}' }))));
    assert.match(
      (await configError(folder({ '.kmssigrc': '{"$import":"policy.json","files":["x"]}' }))).message,
      /\.kmssigrc uses \$import, which kmssig refuses/,
    );
    assert.equal(existsSync(marker), false, 'repository code ran inside kmssig');
  });
});
