import { parseArgs } from 'node:util';
import { KmssigError } from '../errors.js';
import { messages } from '../messages.js';

export interface OptionSpec {
  type: 'string' | 'boolean';
  multiple?: boolean;
  short?: string;
  /** Shown in --help; `value` names the argument of a string option. */
  help: string;
  value?: string;
}

export interface CommandSpec {
  name: string;
  usage: string;
  summary: string;
  options: Record<string, OptionSpec>;
  /** Extra lines printed after the options in --help. */
  notes?: string[];
  /** Long hashing work: the command takes --quiet, and shows a progress line on a terminal (cli/progress.ts). */
  progress?: boolean;
  /** One or two realistic command lines, shown under "Examples:" in --help. */
  examples?: string[];
}

const common: Record<string, OptionSpec> = {
  help: { type: 'boolean', short: 'h', help: 'show this help' },
  debug: { type: 'boolean', help: 'print details and stack traces of errors' },
};

/** Parses argv with one option table, the same table that renders --help. */
const quiet: Record<string, OptionSpec> = {
  quiet: { type: 'boolean', short: 'q', help: 'no progress line on the terminal while files are hashed' },
};
const optionsOf = (spec: CommandSpec) => ({ ...spec.options, ...(spec.progress ? quiet : {}), ...common });

export function parseCommand(spec: CommandSpec, argv: readonly string[]) {
  const options = optionsOf(spec);
  try {
    const { values, positionals } = parseArgs({
      args: [...argv],
      options: Object.fromEntries(
        Object.entries(options).map(([name, o]) => [
          name,
          { type: o.type, ...(o.multiple ? { multiple: true } : {}), ...(o.short ? { short: o.short } : {}) },
        ]),
      ),
      allowPositionals: true,
      strict: true,
    });
    return { values: values as Record<string, string | boolean | string[] | undefined>, positionals };
  } catch (error) {
    throw new KmssigError('USAGE', messages.usage((error as Error).message.split('\n')[0] ?? 'bad arguments', spec.name), { cause: error });
  }
}

export function renderHelp(spec: CommandSpec): string {
  const rows = Object.entries(optionsOf(spec)).map(([name, o]) => {
    const flag = `${o.short ? `-${o.short}, ` : '    '}--${name}${o.type === 'string' ? ` <${o.value ?? 'value'}>` : ''}`;
    return `  ${flag.padEnd(30)} ${o.help}${o.multiple ? ' (repeatable)' : ''}`;
  });
  return [
    `Usage: ${spec.usage}`,
    '',
    spec.summary,
    '',
    'Options:',
    ...rows,
    ...(spec.notes ? ['', ...spec.notes] : []),
    ...(spec.examples ? ['', 'Examples:', ...spec.examples.map((e) => `  ${e}`)] : []),
    '',
  ].join('\n');
}

export function stringOption(values: Record<string, unknown>, name: string): string | undefined {
  const v = values[name];
  return typeof v === 'string' ? v : undefined;
}

export function listOption(values: Record<string, unknown>, name: string): string[] {
  const v = values[name];
  return Array.isArray(v) ? (v as string[]) : typeof v === 'string' ? [v] : [];
}

export function requirePositionals(spec: CommandSpec, positionals: string[], names: string[]): string[] {
  if (positionals.length !== names.length) {
    const problem =
      positionals.length < names.length
        ? `missing ${names
            .slice(positionals.length)
            .map((n) => `<${n}>`)
            .join(' ')}`
        : `unexpected argument ${JSON.stringify(positionals[names.length])}`;
    throw new KmssigError('USAGE', messages.usage(problem, spec.name));
  }
  return positionals;
}
