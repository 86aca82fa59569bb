// `nlp-backdoor run FILE --out DIR`: run an experiment file; writes results.json, report.md, runs/<id>/model.
import * as path from 'node:path';
import type { Command } from '../command.js';
import { str, list, num, UsageError } from '../args.js';
import * as os from 'node:os';
import { loadExperiment } from '../../experiments/load.js';
import { runExperiment } from '../../experiments/runner.js';
import { SweepView } from '../sweep-view.js';
import { EVAL_ENGINES, type EvalEngineName } from '../../experiments/eval-engine.js';
import { stopOnSignals } from '../signals.js';
import { validateExperiment } from '../../experiments/validate.js';
import { outFolderFlag, checkOutFolder } from '../out-path.js';
import * as fs from 'node:fs';
import { isPretrainedBackdoorFile, parsePretrainedBackdoor, runPretrainedBackdoor, validatePretrainedBackdoor } from '../../experiments/pretrained-backdoor.js';
import { writePretrainedBackdoorReport } from '../../report/pretrained-backdoor-report.js';
import { writeFileAtomic } from '../../common/fs-atomic.js';
import { writeExperimentReports } from '../../report/experiment-html.js';
import type { ParsedArgs } from '../args.js';

export const run: Command = {
  name: 'run',
  summary: 'run an experiment file (YAML/JSON): poison, train, evaluate, report',
  usage: 'FILE --out DIR [--workers N | --queue redis://HOST:PORT] [--data-dir DIR] [--only RUN] [--set key.path=value]',
  flags: {
    out: { type: 'string', description: 'output folder: results.json, report.md, runs/<run>/model/' },
    'data-dir': { type: 'string', description: 'folder laid out like shared/data for named datasets (mr and sst2 ship with the package)' },
    only: { type: 'list', description: 'run only this run name or id (repeatable)' },
    cache: { type: 'string', description: 'share identical runs (same data, config, seed, attack) between experiments through this folder' },
    quiet: { type: 'boolean', description: 'no progress bars' },
    'validate-only': { type: 'boolean', description: 'check the file, its datasets, labels, trigger keys and transfer sources, and list the runs, without training' },
    workers: { type: 'string', description: 'runs trained at once, each in its own worker process with its own tensor engine (default: the number of cores; 1: in this process)' },
    queue: { type: 'string', description: 'distributed: put the runs on this BullMQ queue (redis://HOST:PORT) for `nlp-backdoor worker` processes on any machine; wait for every outcome and write DIR as a local run' },
    engine: { type: 'string', description: 'engine the test sets are evaluated through: auto (onnxruntime-node when installed, else tfjs), onnx or tfjs', default: 'auto' },
    set: { type: 'list', description: 'override a value of the file, e.g. --set train.epochs=1 or --set runs.NAME.attack.proportion=0.2 (repeatable; recorded in results.json)' },
  },
  details:
    'Every finished run is recorded in DIR/store.jsonl (appended and fsync\'ed) before it counts; results.json and report.md\n' +
    'are rebuilt from it. A run that fails (an error, a crashed worker) is recorded as failed and the others go on (exit\n' +
    'code 1); rerunning the command retries it. Ctrl-C (or SIGTERM) stops after the current training step with exit code\n' +
    '130 (143): finished runs are kept, rerunning the command skips them and resumes an interrupted run from its last\n' +
    'epoch. A second Ctrl-C quits at once. Killing the command (even with SIGKILL) loses only the runs in progress.',
  async run(args) {
    const file = args.positionals[0];
    if (!file) throw new UsageError('give the experiment file');
    if (args.positionals.length > 1) throw new UsageError(`unexpected arguments: ${args.positionals.slice(1).join(' ')}`);
    if (fs.existsSync(file) && !fs.statSync(file).isDirectory() && isPretrainedBackdoorFile(fs.readFileSync(file, 'utf8'))) return runPretrainedBackdoorFile(file, args);
    const validateOnly = args.flags['validate-only'] === true;
    const outFlag = str(args, 'out');
    const out = validateOnly ? (outFlag === undefined ? undefined : checkOutFolder(outFlag)) : outFolderFlag(args);
    const overrides = list(args, 'set');
    const { config, baseDir, lineOf } = loadExperiment(file, { set: overrides });
    if (validateOnly) {
      const v = validateExperiment(config, { dataDir: str(args, 'data-dir'), baseDir, file, lineOf, outDir: out, only: list(args, 'only'), log: (l) => console.error(l) });
      const ds = [...v.datasets.values()].map((d) => `${d.name} (train ${d.train.length}, dev ${d.dev.length}, test ${d.test.length}; labels ${d.labelNames.join(', ')})`);
      console.log(`${file}: valid; ${v.runs.length} run(s): ${v.runs.map((r) => r.id).join(', ')}\ndata: ${ds.join('; ')}`);
      // the expanded runs, one a line: readable id, stable key (hash of the resolved configuration), seed, sweep point
      console.log(['runs (id, key, seed, sweep point):', ...v.runs.map((r) => `  ${r.id}  ${r.key}  seed ${r.seed}${Object.keys(r.point).length ? `  ${JSON.stringify(r.point)}` : ''}`)].join('\n'));
      return 0;
    }
    if (out === undefined) throw new UsageError('--out is required');
    const workers = num(args, 'workers', { int: true, min: 1 }) ?? os.availableParallelism();
    const evalEngine = str(args, 'engine') ?? 'auto';
    if (!(EVAL_ENGINES as readonly string[]).includes(evalEngine)) throw new UsageError(`--engine must be ${EVAL_ENGINES.join(', ')} (got "${evalEngine}")`);
    const sig = stopOnSignals('the experiment');
    // the live view on a terminal (not with --quiet, in CI or into a pipe): plain log lines otherwise
    const view = args.flags['quiet'] !== true ? SweepView.open() : null;
    const res = await runExperiment(config, out, {
      ...(view ? { log: view.log, onProgress: view.onEvent } : {}),
      workers,
      evalEngine: evalEngine as EvalEngineName,
      queue: str(args, 'queue'),
      dataDir: str(args, 'data-dir'),
      baseDir,
      file,
      progress: args.flags['quiet'] !== true,
      shouldStop: sig.shouldStop,
      only: list(args, 'only'),
      cacheDir: str(args, 'cache'),
      lineOf,
      overrides,
    }).finally(() => view?.close());
    sig.dispose();
    // the HTML report with its charts and the CSV tables, from the same results (`nlp-backdoor report DIR` redoes it)
    await writeExperimentReports(out, res);
    const failed = res.failed ?? [];
    console.log(`${res.status === 'complete' ? 'done' : failed.length && !sig.signal() ? `${failed.length} run(s) failed` : 'stopped (partial results kept)'}: ${res.runs.length} run(s) finished; report: ${path.join(out, 'report.html')} and report.md, results: ${path.join(out, 'results.json')}`);
    if (sig.signal()) {
      console.error(`interrupted (${sig.signal()}): finished runs are kept; run the same command again to resume`);
      return sig.exitCode();
    }
    if (failed.length) {
      console.error(`failed: ${failed.map((f) => `${f.id} (${f.error.split('\n')[0]})`).join('; ')}\nrun the same command again to retry them (finished runs are kept)`);
      return 1;
    }
    return res.status === 'complete' ? 0 : 130;
  },
};

/** `kind: pretrained-backdoor` files (experiments/por.yaml): inject, fine-tune both encoders per dataset, trigger metrics. */
async function runPretrainedBackdoorFile(file: string, args: ParsedArgs): Promise<number> {
  if (list(args, 'set').length || list(args, 'only').length || str(args, 'cache')) throw new UsageError('--set, --only and --cache apply to poisoning experiments, not to kind: pretrained-backdoor files');
  const cfg = parsePretrainedBackdoor(fs.readFileSync(file, 'utf8').replace(/^\uFEFF/, ''), file);
  const paths = { baseDir: path.dirname(path.resolve(file)), dataDir: str(args, 'data-dir'), file };
  if (args.flags['validate-only'] === true) {
    const v = validatePretrainedBackdoor(cfg, paths);
    console.log(`${file}: valid; ${cfg.inject.triggers.length} trigger(s) into ${v.encoder}; ${v.datasets.length} dataset(s) × 2 encoders: ${v.datasets.map((d) => d.name).join(', ')}`);
    return 0;
  }
  const out = outFolderFlag(args);
  if (out === undefined) throw new UsageError('--out is required');
  const sig = stopOnSignals('the experiment');
  try {
    const res = await runPretrainedBackdoor(cfg, out, { ...paths, shouldStop: sig.shouldStop, progress: args.flags['quiet'] !== true });
    await writePretrainedBackdoorReport(out, res);
    console.log(`${res.status === 'complete' ? 'done' : 'stopped (partial results kept; rerun to finish)'}: ${res.runs.length} fine-tuned model(s); report: ${path.join(out, 'report.md')}, results: ${path.join(out, 'results.json')}`);
    return res.status === 'complete' ? 0 : sig.exitCode() || 130;
  } finally {
    sig.dispose();
  }
}
