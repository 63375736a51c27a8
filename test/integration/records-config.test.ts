import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { commitFiles } from '../helpers/git.js';
import { CONFIG, both, noteRecords, startRecordsWorld, type RecordsWorld } from '../helpers/records.js';

const RELEASE = { 'dist/app.bin': 'app', 'dist/.hidden': 'a dotfile no pattern names', 'docs/guide.md': 'not listed' };

const yaml = `# a comment: YAML, not JSON
keyId: alias/release
files:
  - dist/**
context:
  repo: acme/app
`;

// Each data variant cosmiconfig finds at the repository root (JavaScript
// configuration is refused: adversarial-trust.test.ts): the configuration
// loads, signs, verifies, and the file that holds it is itself signed.
const variants: { name: string; file: string; text: string; extra?: Record<string, string> }[] = [
  { name: '.kmssigrc as JSON', file: '.kmssigrc', text: JSON.stringify(CONFIG) },
  { name: '.kmssigrc as YAML', file: '.kmssigrc', text: yaml },
  { name: '.kmssigrc.json', file: '.kmssigrc.json', text: JSON.stringify(CONFIG, null, 2) },
  { name: '.kmssigrc.yaml', file: '.kmssigrc.yaml', text: yaml },
  { name: '.kmssigrc.yml', file: '.kmssigrc.yml', text: yaml },
  {
    name: 'the "kmssig" key of package.json',
    file: 'package.json',
    text: JSON.stringify({ name: 'app', version: '1.0.0', kmssig: CONFIG }, null, 2),
  },
  {
    name: '.kmssigrc.json beside a package.json without a "kmssig" key',
    file: '.kmssigrc.json',
    text: JSON.stringify(CONFIG),
    extra: { 'package.json': JSON.stringify({ name: 'app', version: '1.0.0' }) },
  },
];

describe('configuration files', () => {
  let world: RecordsWorld;
  before(async () => {
    world = await startRecordsWorld();
  });
  after(async () => {
    await world?.cleanup();
  });

  for (const variant of variants) {
    it(`loads ${variant.name}, and signs the file it came from`, async () => {
      const repo = world.repo({ config: variant.text, configFile: variant.file, files: { ...RELEASE, ...variant.extra } });
      const sign = await world.kmssig(repo, ['sign']);
      assert.equal(sign.code, 0, both(sign));
      const [record] = noteRecords(repo);
      assert.deepEqual(Object.keys(record!.files).sort(), [variant.file, 'dist/app.bin'].sort());
      assert.equal(record!.context.repo, 'acme/app', 'the static context of the configuration');
      const check = await world.kmssig(repo, ['check']);
      assert.equal(check.code, 0, both(check));

      // Any unsigned change to the file that holds the configuration fails, even one that changes no setting.
      commitFiles(repo, { [variant.file]: `${variant.text}\n` }, 'unsigned edit of the configuration');
      const edited = await world.kmssig(repo, ['check', '--format', 'json']);
      assert.equal(edited.code, 1, both(edited));
      const states = Object.fromEntries(JSON.parse(edited.stdout).files.map((f: { path: string; state: string }) => [f.path, f.state]));
      assert.deepEqual(states, { [variant.file]: 'modified', 'dist/app.bin': 'ok' });
    });
  }

  it('a broken configuration is exit 2 with the file, the line and column, and the problem (never an internal error)', async () => {
    const cases = [
      {
        file: 'package.json',
        text: '{\n  "name": "app",\n  "kmssig": { "files": ["dist/**"] },\n}\n',
        where: /package\.json: line 4, column 1: /,
      },
      { file: '.kmssigrc.yml', text: 'files:\n  - dist/**\n - oops\n', where: /\.kmssigrc\.yml: line 3, column 2: / },
      {
        file: '.kmssigrc.json',
        text: '{"files": ["dist/**"]',
        where: /\.kmssigrc\.json: line 1, column 22: Expected ',' or '}' after property value/,
      },
    ];
    for (const c of cases) {
      const repo = world.repo({ config: c.text, configFile: c.file, files: RELEASE });
      for (const command of [['check'], ['sign']]) {
        const r = await world.kmssig(repo, command);
        assert.equal(r.code, 2, both(r));
        assert.match(r.stderr, new RegExp(`^✖ cannot parse the configuration ${c.where.source}.*; fix the syntax$`, 'm'));
        assert.doesNotMatch(r.stderr, /internal error|report it/);
      }
    }
  });

  it('dotfiles are listed only when a pattern names them; exclude removes files', async () => {
    const config = { ...CONFIG, files: ['dist/**', 'dist/.hidden', 'docs/*.md'], exclude: ['docs/draft-*'] };
    const repo = world.repo({ config, files: { ...RELEASE, 'dist/.other': 'not named', 'docs/draft-1.md': 'excluded' } });
    assert.equal((await world.kmssig(repo, ['sign'])).code, 0);
    assert.deepEqual(Object.keys(noteRecords(repo)[0]!.files).sort(), ['.kmssigrc', 'dist/.hidden', 'dist/app.bin', 'docs/guide.md']);
  });
});
