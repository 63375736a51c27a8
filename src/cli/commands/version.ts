import type { CommandSpec } from '../args.js';
import type { Io } from '../io.js';
import { version } from '../../version.js';

export const spec: CommandSpec = {
  name: 'version',
  examples: ['kmssig version'],
  usage: 'kmssig version',
  summary: 'Print the kmssig and Node.js versions.',
  options: {},
};

export async function run(_values: Record<string, unknown>, _positionals: string[], io: Io): Promise<number> {
  io.stdout.write(`kmssig ${version} (Node.js ${process.version})\n`);
  return 0;
}
