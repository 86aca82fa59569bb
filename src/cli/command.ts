// A CLI command: a name, a one-line summary, its flags, and a run function over parsed args.
import type { FlagSpec, ParsedArgs } from './args.js';

export interface Command {
  name: string;
  summary: string;
  /** usage line after `nlp-backdoor <name>` */
  usage: string;
  flags: Record<string, FlagSpec>;
  /** extra help text shown under the flags */
  details?: string;
  run(args: ParsedArgs): Promise<number>;
}
