#!/usr/bin/env node
import { main } from '../dist/src/cli/main.js';
main(process.argv.slice(2)).then((code) => { process.exitCode = code ?? 0; }, (err) => {
  console.error(`nlp-backdoor: ${err instanceof Error ? err.message : String(err)}`);
  if (process.env.NLP_BACKDOOR_DEBUG) console.error(err);
  process.exitCode = 1;
});
