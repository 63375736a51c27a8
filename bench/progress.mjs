// Progress line benchmark (issue 27): `kmssig sign` of one file on a
// pseudo-terminal with the progress line, and the same with --quiet (no line),
// against `openssl dgst -sha512` of the same file. The line must not slow
// hashing measurably. Prints figures; asserts nothing about speed.
//
//   node bench/progress.mjs [--quick | --full]
//
// --full (the default): 1 GiB, 5 runs each, alternating. --quick: 320 MiB
// (past the 256 MiB after which the line shows), 3 runs. Run from dist/
// (npm run bench builds first). The pseudo-terminal is python's pty module.
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, rmSync, writeSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = join(root, 'dist', 'bin.js');
const quick = process.argv.includes('--quick');
const MiB = 1024 * 1024;
const plan = quick ? { size: 320 * MiB, runs: 3 } : { size: 1024 * MiB, runs: 5 };
if (!existsSync(bin)) {
  console.error('bench/progress.mjs: dist/ is missing: run `npm run build` first (npm run bench does)');
  process.exit(1);
}
const dir = join(root, '.bench', 'progress');
mkdirSync(dir, { recursive: true });
const key = `local:${join(dir, 'bench.key')}`;
const file = join(dir, 'data.bin');
const env = { ...process.env };
delete env.CI;
delete env.NO_COLOR;
const PTY = 'import pty, sys, os; sys.exit(pty.spawn(sys.argv[1:]) >> 8)';

try {
  console.log(
    `# Progress line (${quick ? 'quick' : 'full'}): node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, load ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  rmSync(join(dir, 'bench.key'), { force: true });
  must(spawnSync(process.execPath, [bin, 'keygen', key], { encoding: 'utf8' }), 'kmssig keygen');
  const fd = openSync(file, 'w');
  const chunk = Buffer.alloc(MiB);
  for (let i = 0; i < chunk.length; i += 4) chunk.writeUInt32LE((i * 2654435761) >>> 0, i);
  for (let i = 0; i < plan.size / MiB; i++) writeSync(fd, chunk);
  closeSync(fd);

  const rows = {
    'openssl dgst -sha512': () => timed('openssl', ['dgst', '-sha512', file]),
    'kmssig sign, terminal, progress line': () => {
      const r = timed('python3', ['-c', PTY, process.execPath, bin, 'sign', key, file, join(dir, 'a.sig')]);
      if (!/hashing/.test(r.out)) throw new Error('no progress line was drawn on the pseudo-terminal');
      return r;
    },
    'kmssig sign, terminal, --quiet': () =>
      timed('python3', ['-c', PTY, process.execPath, bin, 'sign', key, file, join(dir, 'b.sig'), '--quiet']),
  };
  const times = Object.fromEntries(Object.keys(rows).map((k) => [k, []]));
  for (let i = 0; i < plan.runs; i++) for (const [name, run] of Object.entries(rows)) times[name].push(run().seconds);
  const median = (v) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
  console.log(`file: ${plan.size / MiB} MiB, ${plan.runs} runs each, alternating; medians (min)`);
  for (const [name, v] of Object.entries(times))
    console.log(`  ${name.padEnd(40)} ${median(v).toFixed(3)} s (${Math.min(...v).toFixed(3)})`);
  const withLine = median(times['kmssig sign, terminal, progress line']);
  const without = median(times['kmssig sign, terminal, --quiet']);
  const openssl = median(times['openssl dgst -sha512']);
  console.log(
    `progress line / --quiet: ${(withLine / without).toFixed(3)}; × openssl: with ${(withLine / openssl).toFixed(2)}, without ${(without / openssl).toFixed(2)}`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}

function timed(command, args) {
  const t = performance.now();
  const r = spawnSync(command, args, { env, encoding: 'utf8', maxBuffer: 64 * MiB });
  const seconds = (performance.now() - t) / 1000;
  must(r, `${command} ${args.slice(0, 3).join(' ')}`);
  return { seconds, out: r.stdout };
}

function must(r, what) {
  if (r.error || r.status !== 0) {
    console.error(`bench/progress.mjs: ${what} failed: ${r.error?.message ?? r.stderr ?? r.status}`);
    process.exit(1);
  }
}
