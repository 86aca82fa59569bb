#!/usr/bin/env node
// Run one of this helper's command modules before it is wired into src/cli/commands/index.ts:
//   node scripts/cli-local.mjs pretrain --corpus ... (same flags as `nlp-backdoor pretrain`)
import { parseArgs } from '../dist/src/cli/args.js';
const [name, ...rest] = process.argv.slice(2);
const mod = await import(`../dist/src/cli/commands/${name}.js`);
const cmd = mod[name.replace(/-(\w)/g, (_, c) => c.toUpperCase())];
process.exitCode = await cmd.run(parseArgs(rest, cmd.flags));
