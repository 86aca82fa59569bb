// Registry of CLI commands, in the order `--help` lists them.
import type { Command } from '../command.js';
import { train } from './train.js';
import { predict } from './predict.js';
import { run } from './run.js';

export const commands: Command[] = [train, predict, run];
