// `nlp-backdoor report DIR`: rebuild an experiment folder's report.md, report.html (charts) and tables/*.csv
// from its result store, without training anything.
import type { Command } from '../command.js';
import { UsageError } from '../args.js';
import { resultsFromStore, writeExperimentReports } from '../../report/experiment-html.js';
import { writePretrainedBackdoorReport } from '../../report/pretrained-backdoor-report.js';
import { PRETRAINED_BACKDOOR_KIND, type PretrainedBackdoorResults } from '../../experiments/pretrained-backdoor.js';
import { readJson } from '../../common/fs-atomic.js';
import * as fs from 'node:fs';
import * as path from 'node:path';

export const report: Command = {
  name: 'report',
  summary: 'rebuild an experiment folder\'s report (HTML with charts, markdown, CSV tables) from its result store',
  usage: 'DIR',
  flags: {},
  async run(args) {
    const dir = args.positionals[0];
    if (!dir || args.positionals.length > 1) throw new UsageError('give one experiment folder (the --out of `nlp-backdoor run`)');
    // a pretrained-backdoor experiment (POR, NeuBA) keeps its outcome in results.json
    const resultsFile = path.join(dir, 'results.json');
    if (!fs.existsSync(path.join(dir, 'store.jsonl')) && fs.existsSync(resultsFile)) {
      const r = readJson<PretrainedBackdoorResults>(resultsFile);
      if (r.kind === PRETRAINED_BACKDOOR_KIND) {
        const files = await writePretrainedBackdoorReport(dir, r);
        console.log(`${r.runs.length} fine-tuned model(s) from ${resultsFile} (${r.status}): ${files.join(', ')}`);
        return 0;
      }
    }
    const res = resultsFromStore(dir);
    const files = await writeExperimentReports(dir, res);
    console.log(`${res.runs.length} run(s) from ${dir}/store.jsonl (${res.status}): ${files.join(', ')}`);
    return 0;
  },
};
