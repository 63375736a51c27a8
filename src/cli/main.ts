import { inspect } from 'node:util';
import { ExitCode, KmssigError } from '../errors.js';
import { messages } from '../messages.js';
import { parseCommand, renderHelp, type CommandSpec } from './args.js';
import { createOutput, errorLines, type Io } from './io.js';

export interface Command {
  spec: CommandSpec;
  run(values: Record<string, unknown>, positionals: string[], io: Io): Promise<number>;
}

// Commands load on demand so that a hook pays only for what it runs.
const commands: Record<string, { summary: string; load: () => Promise<Command> }> = {
  demo: {
    summary: 'run the whole flow in a temp folder with a local key (no AWS account needed)',
    load: () => import('./commands/demo.js'),
  },
  init: {
    summary: 'start here: write a commented .kmssigrc from what the repository holds, install the hooks, print the next steps',
    load: () => import('./commands/init.js'),
  },
  sign: {
    summary: 'sign a file (seed-compatible), or the release files of a commit into git notes',
    load: () => import('./commands/sign.js'),
  },
  verify: { summary: 'verify a file against a seed-format signature', load: () => import('./commands/verify.js') },
  check: {
    summary: 'verify the release files of a revision or of the working tree (the CI gate)',
    load: () => import('./commands/check.js'),
  },
  'sign-file': {
    summary: 'sign release artifacts outside git into a standalone record file (<name>.kmssig.json)',
    load: () => import('./commands/signArtifacts.js'),
  },
  'verify-file': {
    summary: 'verify a standalone record file and the files it lists (offline with --public-key)',
    load: () => import('./commands/verifyArtifacts.js'),
  },
  pubkey: {
    summary: 'write the public key of an asymmetric KMS key as PEM, for offline verification',
    load: () => import('./commands/pubkey.js'),
  },
  'export-record': {
    summary: "write a commit's record as payload.bin and sig.bin, to check it with openssl",
    load: () => import('./commands/exportRecord.js'),
  },
  log: { summary: 'show the signature records of a commit or of its nearest signed ancestor', load: () => import('./commands/log.js') },
  install: {
    summary: 'install the git hooks (lefthook, simple-git-hooks, pre-commit, husky, core.hooksPath or .git/hooks)',
    load: () => import('./commands/install.js'),
  },
  trust: {
    summary: "show or change this clone's pinned policy (keys, refs, context, public keys)",
    load: () => import('./commands/trust.js'),
  },
  uninstall: { summary: 'remove exactly what install added', load: () => import('./commands/uninstall.js') },
  doctor: {
    summary: 'report which hooks git will run, who wrote them, and whether each reaches kmssig',
    load: () => import('./commands/doctor.js'),
  },
  hook: { summary: 'run a git hook (called by the installed hook scripts)', load: () => import('./commands/hook.js') },
  keygen: { summary: 'create a local development key file (local:<path>)', load: () => import('./commands/keygen.js') },
  version: { summary: 'print the kmssig and Node.js versions', load: () => import('./commands/version.js') },
};

export function renderMainHelp(): string {
  const width = Math.max(...Object.keys(commands).map((c) => c.length));
  return [
    'Usage: kmssig <command> [options]',
    '',
    'Sign release files with AWS KMS and guard them with git hooks.',
    '',
    'Commands:',
    ...Object.entries(commands).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`),
    '',
    "Run 'kmssig <command> --help' for a command's options.",
    'Exit codes: 0 verified/done, 1 invalid signature or mismatch, 2 usage or configuration error, 3 could not sign or verify (KMS, network, git).',
    '',
  ].join('\n');
}

/** Runs one CLI invocation and returns its exit code; never calls process.exit. */
export async function main(argv: readonly string[], io: Io): Promise<number> {
  const out = createOutput(io);
  const [name, ...rest] = argv;
  const debug = argv.includes('--debug') || io.env.KMSSIG_DEBUG === '1';
  try {
    if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
      io.stdout.write(renderMainHelp());
      return name === undefined ? ExitCode.USAGE : ExitCode.OK;
    }
    const entry = name === '--version' || name === '-v' ? commands.version : commands[name];
    if (!entry) throw new KmssigError('USAGE', messages.unknownCommand(name));
    const command = await entry.load();
    const { values, positionals } = parseCommand(command.spec, rest);
    if (values.help) {
      io.stdout.write(renderHelp(command.spec));
      return ExitCode.OK;
    }
    // Loaded only for the commands that hash: a hook does not pay for it.
    if (!command.spec.progress) return await command.run(values, positionals, io);
    const line = (await import('./progress.js')).startProgress(io, values.quiet === true);
    try {
      return await command.run(values, positionals, line.io);
    } finally {
      line.stop();
    }
  } catch (error) {
    if (error instanceof KmssigError) {
      out.error(errorLines(error));
      if (debug) io.stderr.write(describeCauses(error) + '\n');
      return error.exitCode;
    }
    out.error(messages.internalError((error as Error)?.message ?? String(error)));
    if (debug) io.stderr.write(((error as Error)?.stack ?? '') + '\n');
    return ExitCode.UNAVAILABLE;
  }
}

function describeCauses(error: unknown): string {
  const lines: string[] = [];
  for (let e: unknown = error; e; e = (e as { cause?: unknown }).cause)
    lines.push((e as Error).stack ?? (typeof e === 'string' ? e : inspect(e))); // inspect: a plain-object cause is not `[object Object]`
  return lines.join('\ncaused by: ');
}
