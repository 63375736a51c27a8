import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { run } from '../helpers/cli.js';
import { both, useHookWorlds, type HookWorld } from '../helpers/hookWorld.js';

const TOOLS = fileURLToPath(new URL('../../node_modules/.bin/', import.meta.url));
const HUSKY = fileURLToPath(new URL('../../node_modules/husky/bin.js', import.meta.url));

describe('kmssig init: a starting configuration, the hooks, the next steps', () => {
  const { world } = useHookWorlds();

  /** A developer's existing app: a clone of the (empty) team remote, with files of its own. */
  async function app(w: HookWorld, files: Record<string, string> = {}): Promise<string> {
    const dev = await w.clone('dev', { hooks: false });
    for (const [path, content] of Object.entries(files)) {
      mkdirSync(join(dev, path, '..'), { recursive: true });
      writeFileSync(join(dev, path), content);
    }
    return dev;
  }

  it('in an empty repository: a placeholder key that sign and check refuse, hooks installed, next steps printed', async () => {
    const w = await world({ seed: false });
    const dev = await app(w);
    const init = await w.kmssig(dev, ['init', '--no-fetch']);
    assert.equal(init.code, 0, both(init));
    const config = readFileSync(join(dev, '.kmssigrc'), 'utf8');
    assert.match(config, /^keyId: REPLACE-WITH-YOUR-KMS-KEY$/m);
    assert.match(config, /^files:\n {2}- "dist\/\*\*"$/m);
    assert.match(init.stderr, /no build folder found \(dist\/, build\/, release\/, out\/\)/);
    assert.match(init.stdout, /Next steps:\n {2}0\. set keyId in \.kmssigrc/);
    for (const hook of ['pre-push', 'post-merge', 'post-checkout', 'post-rewrite'])
      assert.match(readFileSync(join(dev, '.git', 'hooks', hook), 'utf8'), /kmssig/, `${hook} installed`);

    await w.commit(dev, { 'dist/app.txt': 'v1\n' }, 'first release');
    for (const command of [['check', '--no-fetch'], ['sign']]) {
      const refused = await w.kmssig(dev, command);
      assert.equal(refused.code, 2, both(refused));
      assert.match(refused.stderr, /keyId: is still the placeholder kmssig init wrote: set it to the KMS key/);
    }
    const push = await w.git(dev, ['push', '-q', 'origin', 'main']);
    assert.notEqual(push.code, 0, 'a push with the placeholder is refused');
    assert.match(push.stderr, /still the placeholder/);
  });

  it('with dist/ and husky: the printed steps take a new user to a signed push and a passing CI check', async () => {
    const w = await world({ seed: false });
    const dev = await app(w, { 'dist/app.js': 'console.log(1)\n', 'src/index.js': '// source\n' });
    await w.gitOk(dev, ['remote', 'set-url', '--push', 'origin', w.bare]);
    const husky = await run(process.execPath, [HUSKY], { cwd: dev, env: w.env });
    assert.equal(husky.code, 0, both(husky));

    const init = await w.kmssig(dev, ['init', '--key', 'alias/release', '--no-fetch']);
    assert.equal(init.code, 0, both(init));
    assert.match(readFileSync(join(dev, '.kmssigrc'), 'utf8'), /^keyId: alias\/release\nfiles:|^keyId: alias\/release$/m);
    assert.match(readFileSync(join(dev, '.husky', 'pre-push'), 'utf8'), /kmssig/, 'installed through husky');
    assert.doesNotMatch(init.stdout, / 0\. set keyId/);
    // Nothing is signed yet, so first use pins nothing: the key named here is the explicit trust, with the repository's name.
    assert.match(init.stdout, new RegExp(`keys: +${w.keyArn} \\(given on the command line\\)`));
    assert.match((await w.git(dev, ['config', '--get-all', 'kmssig.trust.key'])).stdout, new RegExp(w.keyArn));

    // Step 1: commit and sign once; step 2: push; step 3: the CI check with the ARN sign printed.
    await w.gitOk(dev, ['add', '-A']);
    await w.gitOk(dev, ['commit', '-q', '-m', 'Sign releases with kmssig']);
    const sign = await w.kmssig(dev, ['sign']);
    assert.equal(sign.code, 0, both(sign));
    const arn = sign.stdout.match(/with (arn:aws:kms:\S+)/)?.[1];
    assert.equal(arn, w.keyArn, sign.stdout);
    const push = await w.git(dev, ['push', '-q', '-u', 'origin', 'main']);
    assert.equal(push.code, 0, both(push));
    const ci = join(w.root, 'ci');
    await w.gitOk(w.root, ['clone', '-q', w.bare, ci]);
    const check = await w.kmssig(ci, ['check', '--key', arn]);
    assert.equal(check.code, 0, both(check));
    assert.match(check.stdout, /2 release file\(s\) verified|release file\(s\) verified/);
  });

  it('with lefthook: the entries go into lefthook.yml, as install does', async () => {
    const w = await world({ seed: false });
    const dev = await app(w, { 'lefthook.yml': '# the team\npre-commit:\n  jobs:\n    - run: echo lint\n', 'build/app.js': '1\n' });
    const env = { PATH: `${w.env.PATH}:${TOOLS}` };
    const init = await w.kmssig(dev, ['init', '--key', 'alias/release', '--no-fetch'], { env });
    assert.equal(init.code, 0, both(init));
    assert.match(readFileSync(join(dev, '.kmssigrc'), 'utf8'), /^ {2}- "build\/\*\*"$/m);
    const lefthook = readFileSync(join(dev, 'lefthook.yml'), 'utf8');
    assert.match(lefthook, /^# the team$/m, "the team's file is kept");
    for (const hook of ['pre-push', 'post-merge', 'post-checkout', 'post-rewrite']) assert.match(lefthook, new RegExp(`^${hook}:`, 'm'));
    assert.match(init.stderr, /lefthook: kmssig added to lefthook\.yml/);
  });

  for (const [file, content] of [
    ['.kmssigrc', 'keyId: alias/team\nfiles: [release/**]\n'],
    ['.kmssigrc.json', '{"keyId":"alias/team","files":["out/**"]}\n'],
    ['package.json', '{"name":"app","kmssig":{"keyId":"alias/team","files":["dist/**"]}}\n'],
    ['.kmssigrc.js', 'module.exports = {}\n'],
  ] as const) {
    it(`never overwrites an existing configuration (${file}): exit 2, byte for byte unchanged, nothing installed`, async () => {
      const w = await world({ seed: false });
      const dev = await app(w, { [file]: content });
      const init = await w.kmssig(dev, ['init', '--key', 'alias/other']);
      assert.equal(init.code, 2, both(init));
      assert.match(init.stderr, new RegExp(`${file.replace('.', '\\.')}.* already configures kmssig: kmssig init never overwrites`));
      assert.equal(readFileSync(join(dev, file), 'utf8'), content);
      if (file !== '.kmssigrc') assert.ok(!existsSync(join(dev, '.kmssigrc')), 'no second configuration');
      assert.ok(!existsSync(join(dev, '.git', 'hooks', 'pre-push')), 'nothing installed');
    });
  }

  it('a package.json without a "kmssig" key is no configuration', async () => {
    const w = await world({ seed: false });
    const dev = await app(w, { 'package.json': '{"name":"app"}\n' });
    const init = await w.kmssig(dev, ['init', '--key', 'alias/release', '--no-install']);
    assert.equal(init.code, 0, both(init));
    assert.ok(existsSync(join(dev, '.kmssigrc')));
    assert.ok(!existsSync(join(dev, '.git', 'hooks', 'pre-push')), '--no-install installs nothing');
  });
});
