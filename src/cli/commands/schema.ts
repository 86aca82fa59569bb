// `nlp-backdoor schema [experiment|attack]`: print the JSON schema of experiment files or of attack configs.
import type { Command } from '../command.js';
import { UsageError } from '../args.js';
import { attackJsonSchema, experimentJsonSchema } from '../../experiments/json-schema.js';

export const schema: Command = {
  name: 'schema',
  summary: 'print the JSON schema of experiment files (or of attack configs: schema attack)',
  usage: '[experiment|attack]',
  flags: {},
  details: 'Generated from the schemas that validate the files; docs/attacks.md is built from it (npm run docs:attacks).',
  async run(args) {
    const what = args.positionals[0] ?? 'experiment';
    if (args.positionals.length > 1 || !['experiment', 'attack'].includes(what)) throw new UsageError(`expected experiment or attack, got ${args.positionals.join(' ')}`);
    console.log(JSON.stringify(what === 'attack' ? attackJsonSchema() : experimentJsonSchema(), null, 2));
    return 0;
  },
};
