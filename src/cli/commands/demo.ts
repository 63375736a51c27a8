import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CommandSpec } from '../args.js';
import { render } from '../format/figures.js';
import { createOutput, type Io } from '../io.js';
import { demoGitEnv, runSteps, type Step } from './demoSteps.js';

export const spec: CommandSpec = {
  name: 'demo',
  examples: ['npx kmssig demo', 'npx kmssig demo --keep   # keep the temp folder to look around'],
  usage: 'kmssig demo [--keep]',
  summary:
    'Run the main job end to end in a temp folder with a local development key (no AWS account): sign and verify a file, tamper with it; then a team with a remote: hooks sign on push, verify on pull, and catch an unsigned change.',
  options: { keep: { type: 'boolean', help: 'keep the temp folder to look around' } },
};

const CONFIG = JSON.stringify({ keyId: 'local:../demo.key', files: ['dist/**'], context: { repo: 'acme/demo' } }, null, 2) + '\n';

function fileSteps(dir: string): Step[] {
  const verify = ['verify', 'release.txt', 'release.txt.sig', '--context', 'env=demo', '--key', 'local:demo.key'];
  return [
    {
      say: 'part 1: one file. Create a local development key (a stand-in for a KMS key)',
      kmssig: ['keygen', 'local:demo.key'],
      cwd: dir,
      expect: 0,
    },
    { say: 'a release file', write: { 'release.txt': 'release 1.0.0\n' }, cwd: dir },
    {
      say: 'sign it, binding the context env=demo',
      kmssig: ['sign', 'local:demo.key', 'release.txt', 'release.txt.sig', '--context', 'env=demo'],
      cwd: dir,
      expect: 0,
    },
    { say: 'verify it', kmssig: verify, cwd: dir, expect: 0 },
    { say: 'verify with another context: refused', kmssig: [...verify.slice(0, 4), 'env=prod', ...verify.slice(5)], cwd: dir, expect: 1 },
    { say: 'tamper with the file', write: { 'release.txt': 'release 1.0.0 with a backdoor\n' }, cwd: dir },
    { say: 'verify the tampered file: refused', kmssig: verify, cwd: dir, expect: 1 },
  ];
}

function teamSteps(dir: string): Step[] {
  const [alice, bob, mallory] = ['alice', 'bob', 'mallory'].map((n) => join(dir, n)) as [string, string, string];
  return [
    { say: 'part 2: a team. A shared remote', git: ['init', '-q', '--bare', '-b', 'main', 'remote.git'], cwd: dir, expect: 0 },
    { say: 'Alice clones it', git: ['clone', '-q', 'remote.git', 'alice'], cwd: dir, expect: 0 },
    { say: 'she lists the release files in .kmssigrc', write: { '.kmssigrc': CONFIG, 'dist/app.js': 'console.log("v1")\n' }, cwd: alice },
    { say: 'and installs the hooks', kmssig: ['install'], cwd: alice, expect: 0 },
    {
      say: 'nothing is signed yet, so install pinned nothing and asked for the key: she pins the one she chose',
      kmssig: ['trust', '--key', 'local:../demo.key'],
      cwd: alice,
      expect: 0,
    },
    { say: 'she adds the files', git: ['add', '-A'], cwd: alice, expect: 0 },
    { say: 'and commits', git: ['commit', '-q', '-m', 'release v1'], cwd: alice, expect: 0 },
    {
      say: 'push: pre-push signs dist/app.js and .kmssigrc, and publishes the signature as a git note',
      git: ['push', '-q', 'origin', 'main'],
      cwd: alice,
      expect: 0,
    },
    {
      say: 'Bob clones and installs the hooks (which fetch the signatures)',
      git: ['clone', '-q', 'remote.git', 'bob'],
      cwd: dir,
      expect: 0,
    },
    {
      say: "Bob trusts the team's development key in his clone (a key file could be planted by a commit; with AWS KMS, the key policy decides instead)",
      git: ['config', '--add', 'kmssig.localKey', '../demo.key'],
      cwd: bob,
      expect: 0,
    },
    {
      say: 'install: it pins the key that signed the configuration (first use trusts only what the signed history vouches for)',
      kmssig: ['install'],
      cwd: bob,
      expect: 0,
    },
    { say: 'the release files Bob has are signed', kmssig: ['check'], cwd: bob, expect: 0 },
    { say: 'Mallory has push rights but no key, and no hooks', git: ['clone', '-q', 'remote.git', 'mallory'], cwd: dir, expect: 0 },
    { say: 'she changes a release file', write: { 'dist/app.js': 'console.log("v1"); stealTokens()\n' }, cwd: mallory },
    { say: 'commit', git: ['commit', '-q', '-am', 'tweak'], cwd: mallory, expect: 0 },
    { say: 'push (no signature)', git: ['push', '-q', 'origin', 'main'], cwd: mallory, expect: 0 },
    {
      say: "Bob pulls: post-merge fails loudly on the unsigned change (git's own exit stays 0: a merge cannot be undone by a hook)",
      git: ['pull', '-q', '--no-rebase'],
      cwd: bob,
      expect: 0,
      expectOutput: /FAILED VERIFICATION/,
    },
    { say: 'and the strict check says exit 1', kmssig: ['check'], cwd: bob, expect: 1 },
    { say: 'Bob goes on with his own work', write: { 'NOTES.md': 'my notes\n' }, cwd: bob },
    { say: 'he adds it', git: ['add', '-A'], cwd: bob, expect: 0 },
    { say: 'and commits it', git: ['commit', '-q', '-m', 'notes'], cwd: bob, expect: 0 },
    {
      say: "his push is blocked: it would sign Mallory's change, which nobody verified (kmssig sign --accept is the deliberate way, after a review)",
      git: ['push', '-q', 'origin', 'main'],
      cwd: bob,
      expect: 1,
      expectOutput: /came from outside this clone/,
    },
  ];
}

export async function run(values: Record<string, unknown>, _positionals: string[], io: Io): Promise<number> {
  const out = createOutput(io);
  const dir = await mkdtemp(join(tmpdir(), 'kmssig-demo-'));
  try {
    out.result(out.paint('bold', `kmssig demo in ${dir} (local development key: no AWS account needed, not for production)`));
    const env = await demoGitEnv(dir, io);
    const failures = await runSteps([...fileSteps(dir), ...teamSteps(dir)], out, env);
    out.result(
      failures === 0
        ? out.paint('green', `\n${render({ level: 'ok', text: 'demo finished: every step behaved as expected' })}`)
        : out.paint('red', `\n${render({ level: 'error', text: `${failures} demo step(s) did not behave as expected` })}`),
    );
    return failures === 0 ? 0 : 1;
  } finally {
    if (values.keep) out.info({ level: 'info', text: `kept ${dir}` });
    else await rm(dir, { recursive: true, force: true });
  }
}
