// Long-history benchmark (issue 7): a synthetic repository built with
// `git fast-import` whose nearest signed commit is far back; `kmssig check`
// must find it by walking `git rev-list` and reading the notes in bulk, never
// one git process per commit. Also with many records on the way that do not
// count (a valid record copied onto other commits: refused by policy before
// any KMS call), so that many notes have to be read.
//
//   node bench/history.mjs [--quick | --full]
//
// --full (default): 50,000 commits, the signed one 40,000 back, 1,000 noise notes, 5 runs.
// --quick: 5,000 commits, the signed one 4,000 back, 100 noise notes, 3 runs.
// Then (issue 15) a second history whose only signed commit is its root, 50,000 (quick: 5,000)
// commits back: `check` next to `git rev-list --count HEAD` in one round robin, and their ratio.
// The git processes of one run are counted with a `git` on PATH that logs its calls.
import { loadavg } from 'node:os';
import { join } from 'node:path';
import {
  beforeBin,
  createKey,
  git,
  gitCounter,
  initRepo,
  kmsEnv,
  kmssig,
  linearHistoryStream,
  machineLine,
  main,
  quick,
  ratio,
  requireDist,
  roundRobin,
  s3,
  startCountingProxy,
  startMoto,
  table,
  tempDir,
  timed,
} from './lib/world.mjs';

const SCRIPT = 'bench/history.mjs';

/** A round-robin case that runs kmssig in `repo` and notes the KMS calls it made under its name. */
const measuring = (proxy, repo, env, calls) => (name, args, other) => ({
  name,
  run: () => {
    proxy.reset();
    const r = kmssig(args, { cwd: repo, env, bin: other });
    calls.set(name, proxy.describe());
    return r.seconds;
  },
});
const plan = quick
  ? { commits: 5_000, back: 4_000, noise: 100, runs: 3, deep: 5_000 }
  : { commits: 50_000, back: 40_000, noise: 1_000, runs: 5, deep: 50_000 };
// Issue 15: with the only signed commit `deep` back, check ≤ 2 × a bare `git rev-list --count HEAD` over the same history.
const DEEP_TARGET = 2;
const FLOOR = 'node running only `git rev-list --count HEAD`';
const FLOOR_SCRIPT = "require('node:child_process').execFileSync('git', ['rev-list', '--count', 'HEAD'])";
const CACHED = ['check', '--no-fetch', '--cache'];
const UNCACHED = ['check', '--no-fetch'];
const BEFORE_CACHED = ['check', '--no-fetch'];
const BEFORE_UNCACHED = ['check', '--no-fetch', '--no-cache'];
// A history from git fast-import is no clone's own work (no reflog), so since issue 12 its release files are signed
// deliberately, as a reviewer would (`sign --accept`).
const ACCEPT = ['--accept', '.kmssigrc', '--accept', 'dist/app.bin'];

requireDist(SCRIPT);
await main(SCRIPT, async () => {
  console.log(machineLine('Long history'));
  if (quick)
    console.log(
      `quick mode: ${plan.commits.toLocaleString('en')} commits (full: 50,000), signed commit ${plan.back.toLocaleString('en')} back (full: 40,000), ${plan.noise} noise notes (full: 1,000)`,
    );
  const moto = await startMoto();
  await createKey(moto, { alias: 'alias/release' });
  const proxy = await startCountingProxy(moto);
  const env = kmsEnv(proxy.endpoint);
  const tmp = tempDir();

  const repo = initRepo(join(tmp, 'history'));
  const built = timed('git', ['fast-import', '--quiet'], { cwd: repo, input: linearHistoryStream(plan.commits) });
  git(repo, ['reset', '-q', '--hard', 'main']);
  const signed = git(repo, ['rev-parse', `main~${plan.back}`]).trim();
  kmssig(['sign', '--rev', signed, '--ref', 'main', ...ACCEPT], { cwd: repo, env });
  console.log(
    `built ${plan.commits.toLocaleString('en')} commits with git fast-import in ${s3(built.seconds)} s; signed ${signed.slice(0, 12)} = main~${plan.back}`,
  );

  const calls = new Map();
  const measured = measuring(proxy, repo, env, calls);
  // Since issue 15 `check` uses no cache unless --cache; the before build (34090cd) used its caches
  // unless --no-cache. Rows are named by what the run does, so that like is next to like.
  const cases = (label) => [
    measured(`${label}: check --cache (caches warm)`, CACHED),
    measured(`${label}: check (no cache, the default)`, UNCACHED),
    // KMSSIG_BENCH_BEFORE: the same with an older build, in the same round robin.
    ...(beforeBin
      ? [
          measured(`before: ${label}: check (caches warm)`, BEFORE_CACHED, beforeBin),
          measured(`before: ${label}: check --no-cache`, BEFORE_UNCACHED, beforeBin),
        ]
      : []),
  ];
  kmssig(CACHED, { cwd: repo, env }); // fills the caches once
  if (beforeBin) kmssig(BEFORE_CACHED, { cwd: repo, env, bin: beforeBin });

  const counter = gitCounter();
  const gitCalls = (args, other) => {
    counter.reset();
    kmssig(args, { cwd: repo, env: { ...env, PATH: `${counter.dir}:${process.env.PATH}` }, bin: other });
    const list = counter.calls();
    const kinds = new Map();
    for (const call of list) {
      const name = call.split(' ').slice(0, 2).join(' ');
      kinds.set(name, (kinds.get(name) ?? 0) + 1);
    }
    return `${list.length} (${[...kinds].map(([k, n]) => `${k} ×${n}`).join(', ')})`;
  };

  const results = new Map();
  const processes = new Map();
  for (const [label, prepare] of [
    ['1 note', () => {}],
    [`${plan.noise + 1} notes`, () => addNoise(repo, signed, plan.back, plan.noise)],
  ]) {
    prepare();
    kmssig(CACHED, { cwd: repo, env });
    if (beforeBin) kmssig(BEFORE_CACHED, { cwd: repo, env, bin: beforeBin });
    for (const [name, r] of roundRobin(cases(label), plan.runs)) results.set(name, r);
    processes.set(label, gitCalls(UNCACHED));
    if (beforeBin) processes.set(`before: ${label}`, gitCalls(BEFORE_CACHED, beforeBin));
  }
  const node = roundRobin([{ name: 'node -e ""', run: () => timed(process.execPath, ['-e', '']).seconds }], plan.runs).get(
    'node -e ""',
  ).median;

  console.log(
    `\nkmssig check at main, nearest signed commit ${plan.back.toLocaleString('en')} back (median of ${plan.runs}, round robin):`,
  );
  console.log(
    table(
      ['case', 'median s', 'min s', '× target 1 s', 'KMS calls per run'],
      [...results].map(([name, r]) => [name, s3(r.median), s3(r.min), ratio(r.median, 1), calls.get(name) ?? '']),
    ),
  );
  console.log(`  (node -e "" alone: ${s3(node)} s)`);
  console.log('\ngit processes of one `kmssig check` (counted through a logging git on PATH):');
  for (const [label, text] of processes) console.log(`  ${label}: ${text}`);

  await deepHistory(tmp, env, proxy);
});

/** The only signed commit `plan.deep` back: check next to a bare rev-list over the same history. */
async function deepHistory(tmp, env, proxy) {
  const repo = initRepo(join(tmp, 'deep'));
  timed('git', ['fast-import', '--quiet'], { cwd: repo, input: linearHistoryStream(plan.deep + 1) });
  git(repo, ['reset', '-q', '--hard', 'main']);
  const signed = git(repo, ['rev-parse', `main~${plan.deep}`]).trim();
  kmssig(['sign', '--rev', signed, '--ref', 'main', ...ACCEPT], { cwd: repo, env });
  kmssig(CACHED, { cwd: repo, env }); // fills the caches once
  if (beforeBin) kmssig(BEFORE_CACHED, { cwd: repo, env, bin: beforeBin });
  const calls = new Map();
  const measured = measuring(proxy, repo, env, calls);
  const cases = [
    { name: 'git rev-list --count HEAD', run: () => timed('git', ['rev-list', '--count', 'HEAD'], { cwd: repo }).seconds },
    measured('kmssig check (no cache, the default)', UNCACHED),
    measured('kmssig check --cache (caches warm)', CACHED),
    { name: 'node -e ""', run: () => timed(process.execPath, ['-e', '']).seconds },
    // The floor of any node program that must traverse this history once: node's start plus the same rev-list.
    { name: FLOOR, run: () => timed(process.execPath, ['-e', FLOOR_SCRIPT], { cwd: repo }).seconds },
    ...(beforeBin
      ? [
          measured('before: kmssig check --no-cache', BEFORE_UNCACHED, beforeBin),
          measured('before: kmssig check (caches warm)', BEFORE_CACHED, beforeBin),
        ]
      : []),
  ];
  const results = roundRobin(cases, plan.runs);
  const base = results.get('git rev-list --count HEAD').median;
  console.log(
    `\nthe only signed commit ${plan.deep.toLocaleString('en')} back (the root of ${(plan.deep + 1).toLocaleString('en')} commits), median of ${plan.runs}, round robin; target ≤ ${DEEP_TARGET} × rev-list:`,
  );
  console.log(
    table(
      ['case', 'median s', 'min s', '× rev-list --count', 'KMS calls per run'],
      [...results].map(([name, r]) => [name, s3(r.median), s3(r.min), ratio(r.median, base), calls.get(name) ?? '']),
    ),
  );
  for (const name of ['kmssig check (no cache, the default)', 'kmssig check --cache (caches warm)']) {
    const check = results.get(name).median;
    console.log(
      `  ${name}: ${s3(check)} s / rev-list --count ${s3(base)} s = ${ratio(check, base)} (target ≤ ${DEEP_TARGET}: ${check <= DEEP_TARGET * base ? 'met' : 'NOT met'})`,
    );
  }
  const floor = results.get(FLOOR).median;
  console.log(
    `  floor: ${FLOOR}: ${s3(floor)} s = ${ratio(floor, base)} × rev-list --count (node's start alone: ${ratio(results.get('node -e ""').median, base)})`,
  );
  console.log(
    `  load at the end: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
}

/** Copies the signed commit's record onto `count` commits between it and main: each is refused by policy (wrong commit). */
function addNoise(repo, signed, back, count) {
  const line = git(repo, ['notes', '--ref=kmssig', 'show', signed]).split('\n')[0];
  const step = Math.max(1, Math.floor(back / count));
  const targets = [];
  for (let n = 0; n < count; n++) targets.push(`main~${n * step}`);
  const shas = git(repo, ['rev-parse', ...targets])
    .trim()
    .split('\n');
  const text = `${line}\n`;
  let stream = `commit refs/notes/kmssig\ncommitter Bench <bench@example.com> 1700000000 +0000\ndata 5\nnoise\nfrom refs/notes/kmssig^0\n`;
  for (const sha of shas) stream += `N inline ${sha}\ndata ${Buffer.byteLength(text)}\n${text}\n`;
  timed('git', ['fast-import', '--quiet'], { cwd: repo, input: stream });
}
