// `nlp-backdoor run FILE --out DIR`: run an experiment file; writes results.json, report.md, runs/<id>/model.
import * as path from 'node:path';
import type { Command } from '../command.js';
import { str, list, UsageError } from '../args.js';
import { loadExperiment } from '../../experiments/load.js';
import { runExperiment } from '../../experiments/runner.js';
import { stopOnSignals } from '../signals.js';
import { validateExperiment } from '../../experiments/validate.js';
import { outFolderFlag, checkOutFolder } from '../out-path.js';

export const run: Command = {
  name: 'run',
  summary: 'run an experiment file (YAML/JSON): poison, train, evaluate, report',
  usage: 'FILE --out DIR [--data-dir DIR] [--only RUN] [--set key.path=value]',
  flags: {
    out: { type: 'string', description: 'output folder: results.json, report.md, runs/<run>/model/' },
    'data-dir': { type: 'string', description: 'folder laid out like shared/data for named datasets (mr and sst2 ship with the package)' },
    only: { type: 'list', description: 'run only this run name or id (repeatable)' },
    cache: { type: 'string', description: 'share identical runs (same data, config, seed, attack) between experiments through this folder' },
    quiet: { type: 'boolean', description: 'no progress bars' },
    'validate-only': { type: 'boolean', description: 'check the file, its datasets, labels, trigger keys and transfer sources, and list the runs, without training' },
    set: { type: 'list', description: 'override a value of the file, e.g. --set train.epochs=1 or --set runs.NAME.attack.proportion=0.2 (repeatable; recorded in results.json)' },
  },
  details: 'Ctrl-C (or SIGTERM) stops after the current training step with exit code 130 (143): finished runs are kept,\nrerunning the command skips them and resumes an interrupted run from its last epoch. A second Ctrl-C quits at once.',
  async run(args) {
    const file = args.positionals[0];
    if (!file) throw new UsageError('give the experiment file');
    if (args.positionals.length > 1) throw new UsageError(`unexpected arguments: ${args.positionals.slice(1).join(' ')}`);
    const validateOnly = args.flags['validate-only'] === true;
    const outFlag = str(args, 'out');
    const out = validateOnly ? (outFlag === undefined ? undefined : checkOutFolder(outFlag)) : outFolderFlag(args);
    const overrides = list(args, 'set');
    const { config, baseDir, lineOf } = loadExperiment(file, { set: overrides });
    if (validateOnly) {
      const v = validateExperiment(config, { dataDir: str(args, 'data-dir'), baseDir, file, lineOf, outDir: out, only: list(args, 'only'), log: (l) => console.error(l) });
      const ds = [...v.datasets.values()].map((d) => `${d.name} (train ${d.train.length}, dev ${d.dev.length}, test ${d.test.length}; labels ${d.labelNames.join(', ')})`);
      console.log(`${file}: valid; ${v.runs.length} run(s): ${v.runs.map((r) => r.id).join(', ')}\ndata: ${ds.join('; ')}`);
      return 0;
    }
    if (out === undefined) throw new UsageError('--out is required');
    const sig = stopOnSignals('the experiment');
    const res = await runExperiment(config, out, {
      dataDir: str(args, 'data-dir'),
      baseDir,
      file,
      progress: args.flags['quiet'] !== true,
      shouldStop: sig.shouldStop,
      only: list(args, 'only'),
      cacheDir: str(args, 'cache'),
      lineOf,
      overrides,
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
