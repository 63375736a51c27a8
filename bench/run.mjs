// Runs every benchmark script in bench/ (every *.mjs but this one), one after
// the other, passing --quick / --full through. `npm run bench` builds first.
//
//   node bench/run.mjs [--quick | --full]
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('.', import.meta.url));
const self = basename(fileURLToPath(import.meta.url));
const flags = process.argv.slice(2).filter((a) => a === '--quick' || a === '--full');
const unknown = process.argv.slice(2).filter((a) => !flags.includes(a));
if (unknown.length > 0) {
  console.error(`✖ bench/run.mjs: unknown argument ${unknown.join(' ')}: use --quick or --full`);
  process.exit(2);
}
const scripts = readdirSync(dir)
  .filter((name) => name.endsWith('.mjs') && name !== self)
  .sort();
if (scripts.length === 0) {
  console.error('✖ bench/run.mjs: no benchmark scripts in bench/');
  process.exit(1);
}

const failed = [];
const started = performance.now();
for (const script of scripts) {
  console.log(`\n=== bench/${script} ${flags.join(' ')}`.trimEnd());
  const t = performance.now();
  const r = spawnSync(process.execPath, [join(dir, script), ...flags], { stdio: 'inherit' });
  const status = r.error ? r.error.message : r.status === 0 ? 'ok' : `exit ${r.status ?? r.signal}`;
  console.log(`=== bench/${script}: ${status} in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  if (status !== 'ok') failed.push(script);
}
console.log(
  `\n${scripts.length - failed.length}/${scripts.length} benchmark(s) ran in ${((performance.now() - started) / 1000).toFixed(1)} s`,
);
if (failed.length > 0) {
  console.error(`✖ failed: ${failed.join(', ')}`);
  process.exitCode = 1;
}
