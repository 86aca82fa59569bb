// CLI entry: `nlp-backdoor <command> [options]`. A thin layer over the library API.
import { formatFlags, parseArgs, UsageError } from './args.js';
import type { Command } from './command.js';
import { commands } from './commands/index.js';

const VERSION = '0.1.0';

function globalHelp(): string {
  const rows = commands.map((c) => `  ${c.name.padEnd(12)} ${c.summary}`).join('\n');
  return [
    `nlp-backdoor ${VERSION}: plant, measure, explain and detect backdoors in NLP classifiers`,
    '',
    'Usage: nlp-backdoor <command> [options]',
    '',
    'Commands:',
    rows,
    '',
    'Run `nlp-backdoor <command> --help` for the options of one command.',
    'Environment: NLP_BACKDOOR_BACKEND=wasm|cpu|tensorflow picks the tensor backend (default: tfjs-node when',
    '             installed, else wasm); NLP_BACKDOOR_DEBUG=1 prints stack traces.',
  ].join('\n');
}

export function commandHelp(c: Command): string {
  return [`Usage: nlp-backdoor ${c.name} ${c.usage}`, '', c.summary, '', 'Options:', formatFlags(c.flags), '  --help                         show this help', c.details ? `\n${c.details}` : ''].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(globalHelp());
    return name ? 0 : 1;
  }
  if (name === '--version' || name === '-v') {
    console.log(VERSION);
    return 0;
  }
  const cmd = commands.find((c) => c.name === name);
  if (!cmd) {
    console.error(`nlp-backdoor: unknown command "${name}"\n\n${globalHelp()}`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(commandHelp(cmd));
    return 0;
  }
  try {
    const args = parseArgs(rest, cmd.flags);
    return await cmd.run(args);
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`nlp-backdoor ${cmd.name}: ${e.message}\n\n${commandHelp(cmd)}`);
      return 2;
    }
    throw e;
  }
}
