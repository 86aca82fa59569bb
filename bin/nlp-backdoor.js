#!/usr/bin/env node
import { main } from '../dist/src/cli/main.js';
let settled = false;
// a command whose work was left waiting on nothing (the event loop emptied before it finished) must not end as a
// success: say so and exit 1
process.on('exit', (code) => {
  if (!settled && code === 0) {
    console.error('nlp-backdoor: internal error: the command stopped before it finished (nothing was left to wait on), so its output may be missing or incomplete; please report it with the command line');
    process.exitCode = 1;
  }
});
main(process.argv.slice(2)).then((code) => { settled = true; process.exitCode = code ?? 0; }, (err) => {
  settled = true;
  console.error(`nlp-backdoor: ${err instanceof Error ? err.message : String(err)}`);
  if (process.env.NLP_BACKDOOR_DEBUG) console.error(err);
  process.exitCode = 1;
});
