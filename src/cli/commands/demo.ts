import { mkdtemp, rm, writeFile, appendFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CommandSpec } from '../args.js';
import { createOutput, type Io } from '../io.js';
import { main } from '../main.js';

export const spec: CommandSpec = {
  name: 'demo',
  usage: 'kmssig demo [--keep]',
  summary: 'Run the main job end to end in a temp folder with a local development key: sign, verify, tamper, and see verification fail.',
  options: { keep: { type: 'boolean', help: 'keep the temp folder to look around' } },
};

interface Step {
  say: string;
  argv: string[];
  expect: number;
}

export async function run(values: Record<string, unknown>, _positionals: string[], io: Io): Promise<number> {
  const out = createOutput(io);
  const dir = await mkdtemp(join(tmpdir(), 'kmssig-demo-'));
  const inDir: Io = { ...io, cwd: dir };
  try {
    out.result(out.paint('bold', `kmssig demo in ${dir} (local development key: no AWS account needed, not for production)`));
    await writeFile(join(dir, 'release.txt'), 'release 1.0.0\n');
    const steps: Step[] = [
      { say: 'create a local development key', argv: ['keygen', 'local:demo.key'], expect: 0 },
      { say: 'sign release.txt, binding the context env=demo', argv: ['sign', 'local:demo.key', 'release.txt', 'release.txt.sig', '--context', 'env=demo'], expect: 0 },
      { say: 'verify it', argv: ['verify', 'release.txt', 'release.txt.sig', '--context', 'env=demo', '--key', 'local:demo.key'], expect: 0 },
      { say: 'verify with another context: refused', argv: ['verify', 'release.txt', 'release.txt.sig', '--context', 'env=prod', '--key', 'local:demo.key'], expect: 1 },
    ];
    let failures = 0;
    for (const step of steps) failures += await runStep(step, inDir, out);
    out.result('\n# tamper with release.txt');
    await appendFile(join(dir, 'release.txt'), 'injected\n');
    failures += await runStep({ say: 'verify the tampered file: refused', argv: steps[2]!.argv, expect: 1 }, inDir, out);
    out.result(failures === 0 ? out.paint('green', '\n✔ demo finished: every step behaved as expected') : out.paint('red', `\n✖ ${failures} demo step(s) did not behave as expected`));
    return failures === 0 ? 0 : 1;
  } finally {
    if (values.keep) out.info(`ℹ kept ${dir}`);
    else await rm(dir, { recursive: true, force: true });
  }
}

async function runStep(step: Step, io: Io, out: ReturnType<typeof createOutput>): Promise<number> {
  out.result(`\n# ${step.say}\n$ kmssig ${step.argv.map((a) => (/[\s,]/.test(a) ? JSON.stringify(a) : a)).join(' ')}`);
  const code = await main(step.argv, io);
  const ok = code === step.expect;
  out.result(out.paint(ok ? 'green' : 'red', `→ exit ${code}${ok ? '' : ` (expected ${step.expect})`}`));
  return ok ? 0 : 1;
}
