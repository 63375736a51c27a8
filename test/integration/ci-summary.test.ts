import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createCiWorld, type CiWorld } from '../helpers/ciWorld.js';
import { commitFiles } from '../helpers/git.js';
import { createKey } from '../helpers/kms.js';
import { freePort, startMoto, type Moto } from '../helpers/moto.js';

// GitHub Actions hands each step a file in GITHUB_STEP_SUMMARY; what a step appends there is the job's summary page.
describe('kmssig check writes the GitHub job summary', () => {
  let moto: Moto;
  let keyArn: string;
  const worlds: CiWorld[] = [];
  before(async () => {
    moto = await startMoto();
    keyArn = await createKey(moto.endpoint, { alias: 'alias/release' });
  });
  after(async () => {
    await moto.stop();
    for (const w of worlds) w.cleanup();
  });

  async function signedWorld(): Promise<CiWorld> {
    const world = await createCiWorld(moto, 'alias/release');
    worlds.push(world);
    await world.sign();
    world.publish();
    return world;
  }

  it('appends a pass, then a failure with the failing file first, to the same file', async () => {
    const world = await signedWorld();
    const summary = join(world.root, 'step-summary.md');
    writeFileSync(summary, '# earlier step\n');
    const ci = world.ciClone('ci');
    const pass = await world.check(ci, ['--key', keyArn, '--format', 'github'], { GITHUB_STEP_SUMMARY: summary });
    assert.equal(pass.code, 0, pass.stdout + pass.stderr);
    let md = readFileSync(summary, 'utf8');
    assert.ok(md.startsWith('# earlier step\n'), 'what earlier steps wrote is kept');
    assert.match(md, /^### kmssig check: :white_check_mark: passed$/m);
    assert.match(md, new RegExp(`\\| Key \\| <code>${keyArn.replace(/[/.]/g, '\\$&')}</code> \\|`));
    assert.match(md, /\| Ref \| <code>refs\/heads\/main<\/code> \|/);
    assert.match(md, /\| <code>dist\/app\.tgz<\/code> \| ok \|/);

    commitFiles(world.signer, { 'dist/manifest.json': '{"v":"evil"}' }, 'unsigned change');
    world.publish();
    const ci2 = world.ciClone('ci2');
    const fail = await world.check(ci2, ['--key', keyArn], { GITHUB_STEP_SUMMARY: summary });
    assert.equal(fail.code, 1, fail.stdout + fail.stderr);
    md = readFileSync(summary, 'utf8');
    assert.equal(md.match(/^### kmssig check/gm)?.length, 2, 'one section per run');
    const last = md.slice(md.lastIndexOf('### kmssig check'));
    assert.match(last, /^### kmssig check: :x: failed$/m);
    const rows = last.split('\n').filter((l) => l.startsWith('| <code>'));
    assert.match(rows[0]!, /^\| <code>dist\/manifest\.json<\/code> \| \*\*modified since [0-9a-f]{12}\*\* \|$/);
    assert.ok(rows.slice(1).includes('| <code>dist/app.tgz</code> | ok |'), rows.join('\n'));
  });

  it('an exit 3 is summarised as "could not verify", and without the variable nothing is written', async () => {
    const world = await signedWorld();
    const summary = join(world.root, 'step-summary.md');
    const ci = world.ciClone('ci');
    const closed = { AWS_ENDPOINT_URL_KMS: `http://127.0.0.1:${await freePort()}`, GITHUB_STEP_SUMMARY: summary };
    const out = await world.check(ci, ['--key', keyArn], closed);
    assert.equal(out.code, 3, out.stdout + out.stderr);
    const md = readFileSync(summary, 'utf8');
    assert.match(md, /^### kmssig check: :warning: could not verify \(exit 3\)$/m);
    assert.match(md, /KMS Decrypt failed/);
    assert.doesNotMatch(md, /passed/);

    writeFileSync(summary, '');
    assert.equal((await world.check(ci, ['--key', keyArn], { GITHUB_STEP_SUMMARY: '' })).code, 0);
    assert.equal(readFileSync(summary, 'utf8'), '');
  });

  it('a summary file that cannot be written costs a warning, never the verdict', async () => {
    const world = await signedWorld();
    const ci = world.ciClone('ci');
    const out = await world.check(ci, ['--key', keyArn], { GITHUB_STEP_SUMMARY: join(world.root, 'no-such-dir', 'summary.md') });
    assert.equal(out.code, 0, out.stdout + out.stderr);
    assert.match(out.stderr, /could not write the job summary to .*no-such-dir/);
  });
});
