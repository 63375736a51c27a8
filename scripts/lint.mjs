// npm run lint: the formatter, the type checker, the linter and the layering rule, all of them even
// when one fails (so one run shows every finding); fails when any of them does.
import { spawnSync } from 'node:child_process';

const checks = ['format:check', 'typecheck', 'lint:eslint', 'lint:layers'];
const failed = checks.filter((script) => {
  const { status, error } = spawnSync('npm', ['run', '--silent', script], { stdio: 'inherit' });
  if (error) console.error(`✖ lint: could not run npm run ${script}: ${error.message}`);
  return status !== 0;
});
if (failed.length > 0) {
  const hint = failed.includes('format:check') ? ' (npm run format rewrites the files prettier lists)' : '';
  console.error(`✖ lint: ${failed.join(', ')} failed; see above${hint}`);
  process.exitCode = 1;
}
