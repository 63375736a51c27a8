import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { BIN, run } from '../helpers/cli.js';
import { createCiWorld, errorAnnotations, parseJson, type CiWorld } from '../helpers/ciWorld.js';
import { createKey } from '../helpers/kms.js';
import { startMoto, type Moto } from '../helpers/moto.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const VERSION = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version as string;

interface Action {
  inputs: Record<string, { default?: string; required?: boolean }>;
  runs: { using: string; steps: { shell: string; run: string; env: Record<string, string>; 'working-directory': string }[] };
}

/** action.yml as data (PyYAML comes with moto, which the tests need anyway). */
function loadAction(): Action {
  const script = 'import json, sys, yaml; print(json.dumps(yaml.safe_load(open(sys.argv[1]))))';
  return JSON.parse(execFileSync('python3', ['-c', script, join(ROOT, 'action.yml')], { encoding: 'utf8' }));
}

// The runner's temp folder: outside the workspace, where the action installs kmssig.
let toolDir = '';

/** Replaces the `${{ inputs.x }}` / `${{ github.action_path }}` / `${{ runner.temp }}` expressions the way the runner does. */
function expand(text: string, inputs: Record<string, string>): string {
  return text.replace(/\$\{\{\s*([\w.-]+)\s*\}\}/g, (_, name: string) => {
    if (name === 'github.action_path') return ROOT;
    if (name === 'runner.temp') return toolDir;
    if (name.startsWith('inputs.') && Object.hasOwn(inputs, name.slice(7))) return inputs[name.slice(7)]!;
    throw new Error(`action.yml uses an expression the test does not know: ${name}`);
  });
}

describe('action.yml (composite GitHub Action)', () => {
  let moto: Moto;
  let keyArn: string;
  let otherArn: string;
  let world: CiWorld;
  let ci: string;
  let fakeBin: string;
  const action = loadAction();

  before(async () => {
    moto = await startMoto();
    keyArn = await createKey(moto.endpoint, { alias: 'alias/release' });
    otherArn = await createKey(moto.endpoint);
    world = await createCiWorld(moto, 'alias/release', { config: { context: { repo: 'acme/app' } } });
    await world.sign();
    world.publish();
    ci = world.ciClone('ci');
    toolDir = join(world.root, 'runner-temp');
    mkdirSync(toolDir);
    // An npm that installs the built CLI instead of downloading kmssig, and says what it was asked for.
    fakeBin = join(world.root, 'bin');
    mkdirSync(fakeBin);
    writeFileSync(
      join(fakeBin, 'npm'),
      [
        '#!/bin/sh',
        'printf "%s\\n" "$PWD" "$@" > "$NPM_LOG"',
        'prefix=""; spec=""',
        'while [ $# -gt 0 ]; do case "$1" in --prefix) prefix="$2"; shift 2;; --*) shift;; install) shift;; *) spec="$1"; shift;; esac; done',
        'mkdir -p "$prefix/node_modules/.bin"',
        `printf '#!/bin/sh\\nexec "%s" "%s" "$@"\\n' "${process.execPath}" "${BIN}" > "$prefix/node_modules/.bin/kmssig"`,
        'chmod +x "$prefix/node_modules/.bin/kmssig"',
        '',
      ].join('\n'),
    );
    chmodSync(join(fakeBin, 'npm'), 0o755);
    // Any npx would run what the workspace's package.json names: it must never be called.
    writeFileSync(join(fakeBin, 'npx'), '#!/bin/sh\necho "npx was called" >&2\nexit 90\n');
    chmodSync(join(fakeBin, 'npx'), 0o755);
  });
  after(async () => {
    await moto.stop();
    world?.cleanup();
  });

  /** Runs the action's one step as the runner would: inputs with defaults, env, working-directory, bash -eo pipefail. */
  async function runAction(given: Record<string, string>, extraEnv: NodeJS.ProcessEnv = {}) {
    const inputs = Object.fromEntries(Object.entries(action.inputs).map(([name, spec]) => [name, given[name] ?? spec.default ?? '']));
    const [step] = action.runs.steps;
    if (!step) throw new Error('action.yml has no step');
    const scriptFile = join(world.root, 'step.sh');
    writeFileSync(scriptFile, step.run);
    const npmLog = join(world.root, 'npm.log');
    writeFileSync(npmLog, '');
    const env = {
      ...world.env,
      ...Object.fromEntries(Object.entries(step.env).map(([k, v]) => [k, expand(v, inputs)])),
      PATH: `${fakeBin}:${process.env.PATH}`,
      NPM_LOG: npmLog,
      ...extraEnv,
    };
    const out = await run('bash', ['--noprofile', '--norc', '-eo', 'pipefail', scriptFile], {
      cwd: expand(step['working-directory'], inputs),
      env,
    });
    const [cwd, ...args] = readFileSync(npmLog, 'utf8').trim().split('\n');
    return { ...out, npmCwd: cwd ?? '', npm: args.find((a) => a.startsWith('kmssig@')) ?? '' };
  }

  it('is a composite action with the documented inputs', () => {
    assert.equal(action.runs.using, 'composite');
    assert.deepEqual(Object.keys(action.inputs).sort(), [
      'context',
      'format',
      'job-summary',
      'key',
      'public-key',
      'ref',
      'rev',
      'version',
      'working-directory',
    ]);
    assert.equal(action.inputs.format?.default, 'github');
    for (const [name, spec] of Object.entries(action.inputs)) assert.notEqual(spec.required, true, `${name} is optional`);
    const [step] = action.runs.steps;
    assert.equal(step?.shell, 'bash');
    assert.doesNotMatch(step?.run ?? '', /\$\{\{/, 'inputs reach the script through env, never pasted into it');
  });

  it('installs kmssig@<its own version> outside the workspace and runs check --format github in the working directory', async () => {
    const out = await runAction({ 'working-directory': ci });
    assert.equal(out.code, 0, out.stdout + out.stderr);
    assert.equal(out.npm, `kmssig@${VERSION}`);
    assert.ok(out.npmCwd.startsWith(toolDir), `npm ran in ${out.npmCwd}, not in the runner's temp folder`);
    assert.match(out.stdout, /^::notice title=kmssig::kmssig: 3 release file\(s\) verified/m);
    assert.equal((await runAction({ 'working-directory': ci, version: '9.9.9' })).npm, 'kmssig@9.9.9');
  });

  it("passes the runner's GITHUB_STEP_SUMMARY through to kmssig, unless job-summary is false", async () => {
    const summary = join(world.root, 'summary.md');
    writeFileSync(summary, '');
    const out = await runAction({ 'working-directory': ci }, { GITHUB_STEP_SUMMARY: summary });
    assert.equal(out.code, 0, out.stdout + out.stderr);
    assert.match(readFileSync(summary, 'utf8'), /^### kmssig check: :white_check_mark: passed$/m);
    writeFileSync(summary, '');
    const off = await runAction({ 'working-directory': ci, 'job-summary': 'false' }, { GITHUB_STEP_SUMMARY: summary });
    assert.equal(off.code, 0, off.stdout + off.stderr);
    assert.equal(readFileSync(summary, 'utf8'), '');
  });

  it('never runs a kmssig that the checkout supplies (its package.json, its node_modules)', async () => {
    const attacked = world.ciClone('attacked', []);
    const marker = join(world.root, 'fake-ran');
    const fake = `#!/bin/sh\ntouch "${marker}"\necho "::notice title=kmssig::kmssig: all verified"\nexit 0\n`;
    mkdirSync(join(attacked, 'node_modules', '.bin'), { recursive: true });
    mkdirSync(join(attacked, 'node_modules', 'kmssig'), { recursive: true });
    writeFileSync(join(attacked, 'node_modules', '.bin', 'kmssig'), fake);
    chmodSync(join(attacked, 'node_modules', '.bin', 'kmssig'), 0o755);
    writeFileSync(
      join(attacked, 'node_modules', 'kmssig', 'package.json'),
      JSON.stringify({ name: 'kmssig', version: VERSION, bin: 'fake.sh' }),
    );
    writeFileSync(join(attacked, 'fake.sh'), fake);
    chmodSync(join(attacked, 'fake.sh'), 0o755);
    writeFileSync(
      join(attacked, 'package.json'),
      JSON.stringify({ name: 'app', bin: { kmssig: 'fake.sh' }, dependencies: { kmssig: 'file:.' } }),
    );
    writeFileSync(join(attacked, '.npmrc'), 'prefix=./evil\n');
    // And an unsigned release file: only the real kmssig says so.
    writeFileSync(join(attacked, 'dist', 'app.tgz'), 'backdoored');
    execFileSync('git', ['commit', '-qam', 'unsigned'], { cwd: attacked, env: { ...process.env, ...world.env } });
    const out = await runAction({ 'working-directory': attacked });
    assert.equal(out.code, 1, out.stdout + out.stderr);
    assert.ok(
      errorAnnotations(out.stdout).some((l) => l.startsWith('::error file=dist/app.tgz,')),
      out.stdout,
    );
    assert.equal(existsSync(marker), false, 'the checkout’s own kmssig ran');
  });

  it('context reaches kmssig as pins: another repository’s context does not count', async () => {
    const right = await runAction({ 'working-directory': ci, key: keyArn, context: 'repo=acme/app' });
    assert.equal(right.code, 0, right.stdout + right.stderr);
    const wrong = await runAction({ 'working-directory': ci, key: keyArn, context: 'repo=acme/other' });
    assert.equal(wrong.code, 1, wrong.stdout + wrong.stderr);
  });

  it('key takes several ARNs separated by newlines or commas, and pins them', async () => {
    const pinnedElsewhere = await runAction({ 'working-directory': ci, key: otherArn });
    assert.equal(pinnedElsewhere.code, 1, pinnedElsewhere.stdout + pinnedElsewhere.stderr);
    assert.ok(errorAnnotations(pinnedElsewhere.stdout).some((l) => l.startsWith('::error file=dist/app.tgz,')));

    const several = await runAction({ 'working-directory': ci, key: `${otherArn},\n  ${keyArn}\n`, format: 'json' });
    assert.equal(several.code, 0, several.stdout + several.stderr);
    assert.deepEqual(parseJson(several).policy.keys, [otherArn, keyArn]);
  });

  it('ref, rev and format reach kmssig', async () => {
    const tagsOnly = await runAction({ 'working-directory': ci, ref: 'refs/tags/*' });
    assert.equal(tagsOnly.code, 1, tagsOnly.stdout + tagsOnly.stderr);
    const both = await runAction({ 'working-directory': ci, ref: 'refs/tags/*\nmain', format: 'human' });
    assert.equal(both.code, 0, both.stdout + both.stderr);
    assert.match(both.stdout, /✔ HEAD \([0-9a-f]{12}\): 3 release file\(s\) verified/);

    const missing = await runAction({ 'working-directory': ci, rev: 'v404' });
    assert.equal(missing.code, 2, missing.stdout + missing.stderr);
    assert.match(missing.stdout, /^::error title=kmssig::revision "v404" does not exist/m);
  });
});
