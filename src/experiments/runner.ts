// Run an experiment: the coordinator. It validates the whole file first, then hands the concrete runs to
// executors (workers.ts: in this process, or `workers` worker processes, each with its own tensor engine)
// and records every outcome in the result store (store.ts, DIR/store.jsonl) before it counts. results.json
// and report.md are rebuilt from the store after every outcome. A rerun skips the runs the store has as
// finished under the same fingerprint, retries failed ones, and resumes an interrupted run from its last
// epoch; killing the process at any moment loses at most the runs in progress.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Dataset } from '../data/types.js';
import type { ExperimentConfig } from './schema.js';
import type { ConcreteRun } from './expand.js';
import { validateExperiment, resolveDataset, datasetKey, dataSeedOf } from './validate.js';
import type { LineOf } from './load.js';
import { runFingerprint } from './run-identity.js';
import { sha256File } from '../common/content-hash.js';
import { writeJsonAtomic, readJson, writeFileAtomic } from '../common/fs-atomic.js';
import { initEngine } from '../engine/index.js';
import { expectedCost, longestFirst } from './schedule.js';
import { versions } from '../common/versions.js';
import { renderExperimentReport } from '../report/experiment-report.js';
import { InputError } from '../common/errors.js';
import { RunContext, splitTriggers, trainConfigOf, type RunContextInit, type RunOutcome, type RunTask } from './execute-run.js';
import type { SweepEvent } from './sweep-progress.js';
import { EVAL_ENGINES, resolveEvalEngine, type EvalEngineName } from './eval-engine.js';
import { InProcessExecutor, ProcessExecutor, type Executor } from './workers.js';
import { ResultStore, STORE_FILE } from './store.js';
import { summarizeRuns, type ExperimentResults, type RunResult } from './results.js';

export type { RunMetrics, RunResult, RunSummary, ExperimentResults } from './results.js';
export { splitTriggers } from './execute-run.js';

export interface RunExperimentOptions {
  /** where named datasets live (like shared/data); mr and sst2 ship with the package */
  dataDir?: string;
  /** folder of the experiment file: relative dataset/model paths resolve against it */
  baseDir?: string;
  file?: string;
  progress?: boolean;
  shouldStop?: () => boolean;
  /** run only these run names (or ids) */
  only?: string[];
  log?: (line: string) => void;
  /**
   * share finished runs between experiments: a run whose fingerprint (data content, split, resolved config,
   * seed, attack, transfer source weights, versions: run-identity.ts) matches a cached one reuses its model
   * and metrics instead of training again
   */
  cacheDir?: string;
  /** line lookup of the experiment file, so validation errors name the line (from loadExperiment) */
  lineOf?: LineOf;
  /** `--set key.path=value` overrides already applied to the config; recorded in results.json */
  overrides?: string[];
  /**
   * how many runs train at once: 1 (the default here) trains in this process; N > 1 starts N worker
   * processes, each with its own tensor engine (the CLI's --workers, default: the number of cores)
   */
  workers?: number;
  /**
   * distributed mode: a redis://HOST:PORT URL; every run becomes a job on that BullMQ queue, trained by
   * `nlp-backdoor worker` processes on any machine (queue.ts); `workers` is then ignored
   */
  queue?: string;
  /**
   * the engine the test sets are evaluated through: auto (the default: onnxruntime-node when it loads, else
   * tfjs with a one-line notice), onnx (an error before anything trains when the package is missing) or tfjs
   */
  evalEngine?: EvalEngineName;
  /** where the sweep stands (start, each run's start and outcome): the CLI's live view draws it (sweep-progress.ts) */
  onProgress?: (ev: SweepEvent) => void;
  /** called when a run starts in a worker process (its pid): for logs and tests */
  onWorkerStart?: (pid: number, runId: string) => void;
}

/** A results.json of another experiment in the output folder (written before the store existed) is refused too. */
function checkOwner(outDir: string, cfg: ExperimentConfig): void {
  const file = path.join(outDir, 'results.json');
  if (fs.existsSync(path.join(outDir, STORE_FILE)) || !fs.existsSync(file)) return;
  const prev = readJson<Partial<ExperimentResults>>(file);
  const name = prev.experiment?.name;
  if (name !== undefined && name !== cfg.name) throw new InputError(`this folder holds the results of experiment "${name}", not of "${cfg.name}"; give another --out (its finished runs are left untouched)`, file);
}

export async function runExperiment(cfg: ExperimentConfig, outDir: string, opts: RunExperimentOptions = {}): Promise<ExperimentResults> {
  const log = opts.log ?? ((l: string) => process.stderr.write(l + '\n'));
  // everything resolvable without training is resolved first (datasets, labels, trigger keys, transfer
  // sources, the output folder, the store's owner), so a bad file fails here with its line rather than
  // after the first runs
  const validated = validateExperiment(cfg, { ...opts, outDir, log });
  checkOwner(outDir, cfg);
  // an unreachable queue is an error within seconds, before the store is opened
  if (opts.queue) await (await import('./queue.js')).checkQueue(opts.queue);
  if (opts.evalEngine !== undefined && !EVAL_ENGINES.includes(opts.evalEngine)) throw new InputError(`evalEngine must be one of ${EVAL_ENGINES.join(', ')} (got "${String(opts.evalEngine)}")`);
  // --engine onnx without the package fails here, not after the first run has trained
  if (opts.evalEngine === 'onnx') await resolveEvalEngine('onnx');
  const store = ResultStore.open(outDir, { name: cfg.name, file: opts.file });
  try {
    return await coordinate(cfg, outDir, opts, log, validated.runs, validated.datasets, store);
  } finally {
    store.close();
  }
}

async function coordinate(
  cfg: ExperimentConfig,
  outDir: string,
  opts: RunExperimentOptions,
  log: (line: string) => void,
  concrete: ConcreteRun[],
  loaded: Map<string, Dataset>,
  store: ResultStore,
): Promise<ExperimentResults> {
  const engine = await initEngine();
  const started = new Date().toISOString();
  fs.mkdirSync(path.join(outDir, 'runs'), { recursive: true });
  const ctxInit: RunContextInit = { cfg, outDir, dataDir: opts.dataDir, baseDir: opts.baseDir, evalEngine: opts.evalEngine };
  const ctx = new RunContext(ctxInit, loaded);
  const dataSeed = dataSeedOf(cfg);
  const logged = new Set<string>();
  const getDataset = (r: ConcreteRun): Dataset => {
    const d = r.run.dataset ?? cfg.dataset;
    const ds = ctx.dataset(d);
    const key = datasetKey(resolveDataset(d, dataSeed, opts));
    if (!logged.has(key)) {
      logged.add(key);
      log(`dataset ${ds.name}: train ${ds.train.length}, dev ${ds.dev.length}, test ${ds.test.length} (${ds.split.method} split${ds.split.seed !== undefined ? `, seed ${ds.split.seed}` : ''})`);
    }
    return ds;
  };
  const evaluation = splitTriggers(cfg).map((t) => [t.name, t.text, t.insert.description]);
  // fingerprints are known once a run is reached (a transfer run's includes its source's trained weights)
  const fingerprints = new Map<string, string>();
  const failedNow = new Map<string, string>();
  const write = (status: 'complete' | 'partial'): ExperimentResults => {
    const runs = concrete.flatMap((r) => {
      const fp = fingerprints.get(r.id);
      const o = fp ? store.done(r.key, fp) : undefined;
      return o ? [o.result] : [];
    });
    const failed = concrete.filter((r) => failedNow.has(r.id)).map((r) => ({ id: r.id, key: r.key, error: failedNow.get(r.id)! }));
    const res: ExperimentResults = {
      experiment: { name: cfg.name, description: cfg.description, file: opts.file, config: cfg, reference: cfg.reference, ...(opts.overrides?.length ? { overrides: opts.overrides } : {}) },
      split_triggers: splitTriggers(cfg).map((t) => ({ name: t.name, text: t.text, position: t.insert.description })),
      runs,
      ...(failed.length ? { failed } : {}),
      summary: summarizeRuns(runs),
      status,
      engine,
      versions: versions(),
      started,
      updated: new Date().toISOString(),
    };
    writeJsonAtomic(path.join(outDir, 'results.json'), res);
    writeFileAtomic(path.join(outDir, 'report.md'), renderExperimentReport(res));
    return res;
  };
  const modelDirOf = (id: string) => ctx.modelDirOf(id);
  const sourceOf = (cr: ConcreteRun): ConcreteRun | undefined => {
    if (!cr.run.transfer) return undefined;
    const name = cr.run.transfer.from;
    const c = concrete.filter((r) => r.name === name && r.seed === cr.seed);
    return c[0] ?? concrete.find((r) => r.id === name);
  };
  const total = concrete.length;
  let finished = 0;
  const t0 = performance.now();
  let trainedSeconds = 0;
  let trained = 0;
  const tag = () => `[${finished}/${total}]`;
  const recordDone = (cr: ConcreteRun, result: RunResult, by: string) => {
    store.record({ type: 'done', key: cr.key, id: cr.id, fingerprint: result.fingerprint, result, by, at: new Date().toISOString() });
    failedNow.delete(cr.id);
    finished++;
  };
  const progress = (ev: SweepEvent) => opts.onProgress?.(ev);
  const recordFailed = (cr: ConcreteRun, fingerprint: string, error: string, by: string) => {
    store.record({ type: 'failed', key: cr.key, id: cr.id, fingerprint, error, by, at: new Date().toISOString() });
    failedNow.set(cr.id, error);
    finished++;
    progress({ type: 'run-end', id: cr.id, status: 'failed' });
    log(`${tag()} ${cr.id}: FAILED: ${error.split('\n')[0]}`);
    write('partial');
  };

  /** The task of a run, or null when its result is already known (the store, an older result.json, the cache). */
  const prepare = (cr: ConcreteRun): RunTask | null => {
    const run = cr.run;
    const ds0 = getDataset(cr);
    const trainCfg = trainConfigOf(cfg, run);
    const maxTrain = run.train?.maxTrain ?? cfg.train?.maxTrain;
    const src = sourceOf(cr);
    const fromDir = run.transfer ? (src ? modelDirOf(src.id) : path.resolve(opts.baseDir ?? '.', run.transfer.from)) : null;
    const fromWeights = fromDir ? path.join(fromDir, 'model.safetensors') : null;
    const transferFrom = fromWeights && fs.existsSync(fromWeights) ? sha256File(fromWeights) : null;
    const fingerprint = runFingerprint({ run, seed: cr.seed, dataset: ds0, trainConfig: trainCfg, maxTrain, transferFrom, engine, evaluation });
    fingerprints.set(cr.id, fingerprint);
    const runDir = path.join(outDir, 'runs', cr.id);
    const resultFile = path.join(runDir, 'result.json');
    const hasModel = fs.existsSync(path.join(modelDirOf(cr.id), 'config.json'));
    const stored = store.done(cr.key, fingerprint);
    if (stored && hasModel) {
      finished++;
      progress({ type: 'skipped', id: cr.id });
      log(`${tag()} ${cr.id}: done before (cacc ${stored.result.metrics.cacc.toFixed(4)}${stored.result.metrics.asr !== null ? `, asr ${stored.result.metrics.asr.toFixed(4)}` : ''})`);
      return null;
    }
    // a folder from before the store: its result.json counts when the run is still the same
    if (!stored && fs.existsSync(resultFile) && hasModel) {
      const prev = readJson<RunResult>(resultFile);
      if (prev.fingerprint === fingerprint) {
        recordDone(cr, { ...prev, key: cr.key, resolved: cr.resolved }, 'local');
        progress({ type: 'skipped', id: cr.id });
        log(`${tag()} ${cr.id}: done before (cacc ${prev.metrics.cacc.toFixed(4)}${prev.metrics.asr !== null ? `, asr ${prev.metrics.asr.toFixed(4)}` : ''})`);
        return null;
      }
    }
    if (fs.existsSync(resultFile) || stored) log(`${tag()} ${cr.id}: data, configuration or versions changed since the last run; training again`);
    const cached = opts.cacheDir ? path.join(opts.cacheDir, fingerprint) : null;
    if (cached && fs.existsSync(path.join(cached, 'result.json')) && fs.existsSync(path.join(cached, 'model', 'config.json'))) {
      const prev = readJson<RunResult>(path.join(cached, 'result.json'));
      const reused: RunResult = { ...prev, id: cr.id, key: cr.key, resolved: cr.resolved, name: cr.name, point: cr.point, ...(run.paper ? { paper: run.paper } : {}) };
      fs.mkdirSync(runDir, { recursive: true });
      fs.cpSync(path.join(cached, 'model'), modelDirOf(cr.id), { recursive: true });
      writeJsonAtomic(resultFile, reused);
      recordDone(cr, reused, 'cache');
      progress({ type: 'skipped', id: cr.id });
      log(`${tag()} ${cr.id}: same run found in the cache ${cached} (cacc ${prev.metrics.cacc.toFixed(4)})`);
      write('partial');
      return null;
    }
    return { cr, fingerprint, fromDir };
  };

  const handle = (task: RunTask, outcome: RunOutcome, by: string) => {
    const cr = task.cr;
    if (outcome.status === 'interrupted') {
      progress({ type: 'run-end', id: cr.id, status: 'interrupted' });
      log(`interrupted during ${cr.id}: its last finished epoch is saved; rerun the same command to resume`);
      return;
    }
    if (outcome.status === 'failed') return recordFailed(cr, task.fingerprint, outcome.error, by);
    const result = outcome.result;
    // the store line is what makes the run count; result.json and the cache are copies for other readers
    recordDone(cr, result, by);
    progress({ type: 'run-end', id: cr.id, status: 'done' });
    writeJsonAtomic(path.join(outDir, 'runs', cr.id, 'result.json'), result);
    fs.rmSync(path.join(outDir, 'runs', cr.id, 'checkpoint'), { recursive: true, force: true });
    const cached = opts.cacheDir ? path.join(opts.cacheDir, task.fingerprint) : null;
    if (cached) {
      fs.cpSync(modelDirOf(cr.id), path.join(cached, 'model'), { recursive: true });
      writeJsonAtomic(path.join(cached, 'result.json'), result);
    }
    trained++;
    trainedSeconds = (performance.now() - t0) / 1000;
    const m = result.metrics;
    const left = total - finished;
    // a rough ETA: the wall time per trained run so far, times what is left, over the workers
    const eta = left > 0 ? `, eta ${Math.round((trainedSeconds / trained) * left)}s` : '';
    log(`${tag()} ${cr.id}: cacc ${m.cacc.toFixed(4)}${m.asr !== null ? `, asr ${m.asr.toFixed(4)} (n=${m.asr_n})` : ''}, ${m.epochs_run} epochs, ${m.train_seconds.toFixed(0)}s${eta}`);
    write('partial');
  };

  const nWorkers = opts.queue ? total : Math.max(1, Math.floor(opts.workers ?? 1));
  const queue = opts.queue ? new (await import('./queue.js')).QueueClient(opts.queue, ctxInit, (t) => datasetsOf(t.cr)) : null;
  const datasetsOf = (cr: ConcreteRun): [string, Dataset][] => {
    const d = cr.run.dataset ?? cfg.dataset;
    return [[datasetKey(resolveDataset(d, dataSeed, opts)), ctx.dataset(d)]];
  };
  // each worker process evaluates with its share of the cores: N sessions of `cores` threads would oversubscribe
  const workerThreads = Math.max(1, Math.floor(os.availableParallelism() / nWorkers));
  const executors: Executor[] = queue
    ? await Promise.all(Array.from({ length: Math.max(1, total) }, async () => new (await import('./queue.js')).QueueExecutor(queue)))
    : nWorkers === 1
      ? [new InProcessExecutor(ctx, { log, progress: opts.progress, shouldStop: opts.shouldStop })]
      : Array.from({ length: nWorkers }, () => new ProcessExecutor({ ...ctxInit, evalThreads: workerThreads }, { log, progress: !!opts.progress, onStart: (pid, t) => (log(`${t.cr.id}: started in worker process ${pid}`), opts.onWorkerStart?.(pid, t.cr.id)) }));
  if (queue) log(`${total} run(s) on the queue ${opts.queue}: start \`nlp-backdoor worker --queue ${opts.queue}\` on any machine`);
  else if (nWorkers > 1) log(`${total} run(s), ${nWorkers} worker processes (${os.availableParallelism()} cores)`);
  const inProcessOnly = nWorkers === 1 && !queue;
  progress({ type: 'start', total, workers: queue ? total : nWorkers });
  const idle = [...executors];
  // with several runs at once, the longest first (the LPT rule): the runs that end a sweep are then the short
  // ones, and no worker is left alone with a long run while the others idle. With one at a time the file's
  // order is kept (the total is the same either way).
  const pending = nWorkers > 1 ? longestFirst(concrete, (cr) => expectedCost(cr, getDataset(cr).train.length)) : [...concrete];
  const inflight = new Map<string, Promise<void>>();
  let interrupted = false;
  try {
    for (;;) {
      // in-process, the running training loop polls shouldStop itself after every step; the coordinator then asks
      // only between runs, so a stop request is counted once per step, as the in-process trainer always did
      if (!interrupted && (inflight.size === 0 || !inProcessOnly) && opts.shouldStop?.()) {
        interrupted = true;
        executors.forEach((e) => e.stop());
      }
      // start every run that is ready (its transfer source, if any, has an outcome) on an idle executor
      for (let i = 0; !interrupted && i < pending.length && idle.length > 0; ) {
        const cr = pending[i]!;
        const src = sourceOf(cr);
        if (src && (pending.includes(src) || inflight.has(src.id))) {
          i++;
          continue;
        }
        pending.splice(i, 1);
        if (src && !store.done(src.key, fingerprints.get(src.id) ?? '')) {
          recordFailed(cr, '', `its transfer source ${src.id} has not finished`, 'local');
          continue;
        }
        const task = prepare(cr);
        if (!task) continue;
        const ex = idle.pop()!;
        progress({ type: 'run-start', id: cr.id });
        if (nWorkers === 1 && !queue) log(`${tag()} ${cr.id}: ${cr.run.attack ? `attack ${(cr.run.attack as { type: string }).type}` : 'clean'}${cr.run.transfer ? `, transfer ${cr.run.transfer.mode} from ${cr.run.transfer.from}` : ''}, seed ${cr.seed}`);
        inflight.set(
          cr.id,
          ex.run(task).then(async (o) => {
            handle(task, o, ex.name);
            if (o.status === 'interrupted') interrupted = true;
            else await ex.committed?.(task);
            inflight.delete(cr.id);
            idle.push(ex);
          }),
        );
      }
      if (inflight.size === 0) break;
      // wake on an outcome, or every 200 ms to notice a stop request
      await Promise.race([...inflight.values(), new Promise((r) => setTimeout(r, 200))]);
    }
  } finally {
    await Promise.all(executors.map((e) => e.close()));
    await queue?.close();
  }
  const complete = concrete.every((r) => {
    const fp = fingerprints.get(r.id);
    return fp !== undefined && store.done(r.key, fp) !== undefined;
  });
  return write(complete ? 'complete' : 'partial');
}
