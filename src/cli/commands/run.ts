// `nlp-backdoor run FILE --out DIR`: run an experiment file; writes results.json, report.md, runs/<id>/model.
import * as path from 'node:path';
import type { Command } from '../command.js';
import { str, list, requireStr, UsageError } from '../args.js';
import { loadExperiment } from '../../experiments/load.js';
import { runExperiment } from '../../experiments/runner.js';
import { stopOnSignals } from '../signals.js';

export const run: Command = {
  name: 'run',
  summary: 'run an experiment file (YAML/JSON): poison, train, evaluate, report',
  usage: 'FILE --out DIR [--data-dir DIR] [--only RUN]',
  flags: {
    out: { type: 'string', description: 'output folder: results.json, report.md, runs/<run>/model/' },
    'data-dir': { type: 'string', description: 'folder laid out like shared/data for named datasets (mr and sst2 ship with the package)' },
    only: { type: 'list', description: 'run only this run name or id (repeatable)' },
    cache: { type: 'string', description: 'share identical runs (same data, config, seed, attack) between experiments through this folder' },
    quiet: { type: 'boolean', description: 'no progress bars' },
    'validate-only': { type: 'boolean', description: 'check the file and list the runs it expands to, without training' },
  },
  details: 'Ctrl-C (or SIGTERM) stops after the current training step with exit code 130 (143): finished runs are kept,\nrerunning the command skips them and resumes an interrupted run from its last epoch. A second Ctrl-C quits at once.',
  async run(args) {
    const file = args.positionals[0];
    if (!file) throw new UsageError('give the experiment file');
    if (args.positionals.length > 1) throw new UsageError(`unexpected arguments: ${args.positionals.slice(1).join(' ')}`);
    const { config, baseDir } = loadExperiment(file);
    if (args.flags['validate-only'] === true) {
      const { expandRuns } = await import('../../experiments/expand.js');
      const runs = expandRuns(config);
      console.log(`${file}: valid; ${runs.length} run(s): ${runs.map((r) => r.id).join(', ')}`);
      return 0;
    }
    const out = requireStr(args, 'out');
    const sig = stopOnSignals('the experiment');
    const res = await runExperiment(config, out, {
      dataDir: str(args, 'data-dir'),
      baseDir,
      file,
      progress: args.flags['quiet'] !== true,
      shouldStop: sig.shouldStop,
      only: list(args, 'only'),
      cacheDir: str(args, 'cache'),
    });
    sig.dispose();
    console.log(`${res.status === 'complete' ? 'done' : 'stopped (partial results kept)'}: ${res.runs.length} run(s); report: ${path.join(out, 'report.md')}, results: ${path.join(out, 'results.json')}`);
    if (sig.signal()) {
      console.error(`interrupted (${sig.signal()}): finished runs are kept; run the same command again to resume`);
      return sig.exitCode();
    }
    return res.status === 'complete' ? 0 : 130;
  },
};
