// Fixed costs (issue 26): what every kmssig run pays before it does any work,
// side by side with node's own start. No KMS at all: a local key that this
// clone registered (kmssig keygen), so the figures are node, module loading,
// git processes and kmssig's own work.
//
//   node bench/startup.mjs [--quick | --full]
//
// Rows, round robin, median of 9 (quick: 5):
//   node -e ""                                  the baseline
//   kmssig version                              the floor of any command
//   kmssig check --no-fetch                     a signed one-file release
// and the git processes one such check starts (a counting git on PATH).
// KMSSIG_BENCH_BEFORE=/old/dist adds the rows of an older build, same run.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  beforeBin,
  gitCounter,
  gitEnv,
  git,
  initRepo,
  kmssig,
  machineLine,
  main,
  quick,
  requireDist,
  roundRobin,
  s3,
  table,
  tempDir,
  timed,
} from './lib/world.mjs';

const SCRIPT = 'bench/startup.mjs';
const RUNS = quick ? 5 : 9;

requireDist(SCRIPT);
await main(SCRIPT, async () => {
  console.log(machineLine('Fixed costs'));
  const repo = initRepo(join(tempDir(), 'app'));
  const env = { ...gitEnv(), AWS_EC2_METADATA_DISABLED: 'true' };
  writeFileSync(join(repo, '.kmssigrc'), JSON.stringify({ keyId: 'local:.git/dev.key', files: ['dist/**'] }));
  git(repo, ['add', '.kmssigrc']);
  writeFileSync(join(repo, 'app.txt'), 'x\n');
  timed('mkdir', ['-p', join(repo, 'dist')]);
  writeFileSync(join(repo, 'dist', 'app.txt'), 'release v1\n');
  git(repo, ['add', '-A']);
  git(repo, ['commit', '-q', '-m', 'release']);
  kmssig(['keygen', 'local:.git/dev.key'], { cwd: repo, env });
  kmssig(['sign'], { cwd: repo, env });
  kmssig(['check', '--no-fetch'], { cwd: repo, env }); // fails loudly here if the set-up is wrong

  const builds = [['', undefined], ...(beforeBin ? [[' (before)', beforeBin]] : [])];
  const cases = [
    { name: 'node -e ""', run: () => timed(process.execPath, ['-e', '']).seconds },
    ...builds.flatMap(([label, bin]) => [
      { name: `kmssig version${label}`, run: () => kmssig(['version'], { cwd: repo, env, bin }).seconds },
      { name: `kmssig check --no-fetch${label}`, run: () => kmssig(['check', '--no-fetch'], { cwd: repo, env, bin }).seconds },
    ]),
  ];
  const results = roundRobin(cases, RUNS);
  const node = results.get('node -e ""').median;
  const rows = [...results].map(([name, r]) => [
    name,
    s3(r.median),
    s3(r.min),
    name === 'node -e ""' ? '' : `node + ${Math.round((r.median - node) * 1000)} ms`,
  ]);
  console.log(table(['run', `median s (${RUNS})`, 'min s', 'over node'], rows));

  const counter = gitCounter();
  for (const [label, bin] of builds) {
    counter.reset();
    kmssig(['check', '--no-fetch'], { cwd: repo, env: { ...env, PATH: `${counter.dir}:${process.env.PATH}` }, bin });
    const calls = counter.calls();
    const byVerb = new Map();
    for (const c of calls) {
      const verb = c.split(' ').find((w) => !w.startsWith('-') && !w.includes('=')) ?? c;
      byVerb.set(verb, (byVerb.get(verb) ?? 0) + 1);
    }
    const list = [...byVerb].map(([v, n]) => `${v} ${n}`).join(', ');
    console.log(`git processes of one check${label}: ${calls.length} (${list})`);
  }
});
