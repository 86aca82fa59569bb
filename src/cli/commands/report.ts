// `nlp-backdoor report DIR`: rebuild an experiment folder's report.md, report.html (charts) and tables/*.csv
// from its result store, without training anything.
import type { Command } from '../command.js';
import { UsageError } from '../args.js';
import { resultsFromStore, writeExperimentReports } from '../../report/experiment-html.js';

export const report: Command = {
  name: 'report',
  summary: 'rebuild an experiment folder\'s report (HTML with charts, markdown, CSV tables) from its result store',
  usage: 'DIR',
  flags: {},
  async run(args) {
    const dir = args.positionals[0];
    if (!dir || args.positionals.length > 1) throw new UsageError('give one experiment folder (the --out of `nlp-backdoor run`)');
    const res = resultsFromStore(dir);
    const files = await writeExperimentReports(dir, res);
    console.log(`${res.runs.length} run(s) from ${dir}/store.jsonl (${res.status}): ${files.join(', ')}`);
    return 0;
  },
};
