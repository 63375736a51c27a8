import { Readable, Writable } from 'node:stream';
import { main } from '../../src/cli/main.js';
import type { CliResult } from './cli.js';

/**
 * Runs the CLI's main() in this process with captured output: the same code
 * as `kmssig <argv>`, without a node start per run, for tests that try many
 * inputs. The AWS SDK reads credentials and the endpoint from process.env, so
 * a test file that uses it points process.env at its KMS (useKmsEnv).
 */
export async function runInProcess(argv: string[], options: { cwd: string; env?: NodeJS.ProcessEnv; input?: string }): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const sink = (append: (text: string) => void) =>
    new Writable({
      write(chunk: Buffer | string, _encoding, done) {
        append(String(chunk));
        done();
      },
    });
  const code = await main(argv, {
    stdout: sink((t) => (stdout += t)),
    stderr: sink((t) => (stderr += t)),
    stdin: Readable.from(options.input === undefined ? [] : [options.input]),
    env: { ...process.env, NO_COLOR: '1', ...options.env },
    cwd: options.cwd,
  });
  return { code, stdout, stderr };
}

/** Points this process's AWS SDK at a KMS (moto, or the fault proxy in front of it). */
export function useKmsEnv(env: NodeJS.ProcessEnv): void {
  for (const [name, value] of Object.entries(env)) if (value !== undefined) process.env[name] = value;
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
}
