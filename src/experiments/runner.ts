// Run an experiment: for every concrete run, load (and cache) the dataset, poison the training split, train
// (or transfer from an earlier run's model), then measure CACC, ASR and the study's split table. Each run
// writes DIR/runs/<id>/{model/, result.json}; results.json and report.md are rewritten after every run, so
// an interrupted experiment keeps what it finished, and rerunning the command skips finished runs and
// resumes the interrupted one from its last epoch.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Dataset, Example } from '../data/types.js';
import { loadDatasetSpec } from '../data/index.js';
import type { ExperimentConfig, DatasetConfig, RunConfig } from './schema.js';
import type { ConcreteRun, ResolvedRunConfig } from './expand.js';
import { poison, triggeredTestSet, applyTrigger, asrGoalOf, type PoisonRecipe, type AttackConfigInput } from '../attacks/index.js';
import { validateExperiment, resolveDataset, datasetKey, dataSeedOf, recipeOf } from './validate.js';
import type { LineOf } from './load.js';
import { atEnd, atStart, atWord, type InsertionStrategy } from '../triggers/insert.js';
import { fixed, isPerLabel, toTrigger } from '../triggers/trigger.js';
import { CONTROL_TRIGGER } from '../attacks/recipes/control.js';
import { trainClassifier, type CnnTrainConfig } from '../train/train-classifier.js';
import { runFingerprint } from './run-identity.js';
import { sha256File } from '../common/content-hash.js';
import { CnnClassifier, loadClassifier, predictLabels } from '../models/classifier.js';
import { asr as asrOf, accuracy, splitTable, summarize, type SplitTable, type Summary } from '../eval/index.js';
import { capStratified } from '../train/sample.js';
import { writeJsonAtomic, readJson, writeFileAtomic } from '../common/fs-atomic.js';
import { initEngine, type EngineInfo } from '../engine/index.js';
import { versions } from '../common/versions.js';
import { renderExperimentReport } from '../report/experiment-report.js';

export interface RunMetrics {
  cacc: number;
  /** attack success rate on the triggered test set; null for clean runs */
  asr: number | null;
  asr_n: number;
  split: SplitTable;
  dev_accuracy: number | null;
  best_epoch: number;
  epochs_run: number;
  train_seconds: number;
  train_size: number;
  poisoned: number;
}

export interface RunResult {
  id: string;
  /** hash of the resolved configuration: the run's identity in the result store (expand.ts) */
  key: string;
  name: string;
  point: Record<string, unknown>;
  dataset: string;
  model: string;
  attack: ({ type: string } & Record<string, unknown>) | null;
  transfer: { from: string; mode: 'head' | 'full' } | null;
  seed: number;
  metrics: RunMetrics;
  paper?: Record<string, number | string>;
  config: CnnTrainConfig;
  /** the run's configuration with the experiment's merged in and the sweep point applied (what `key` hashes) */
  resolved: ResolvedRunConfig;
  vocab: { size: number; vectorHits: number; oov: number; newWords?: number };
  split_info: Dataset['split'];
  fingerprint: string;
}

export interface RunSummary {
  name: string;
  point: Record<string, unknown>;
  seeds: number[];
  cacc: Summary;
  asr: Summary | null;
}

export interface ExperimentResults {
  experiment: { name: string; description?: string; file?: string; config: ExperimentConfig; reference?: string; overrides?: string[] };
  /** the triggers of the split table: name, text, where it is inserted */
  split_triggers: { name: string; text: string; position: string }[];
  runs: RunResult[];
  summary: RunSummary[];
  status: 'complete' | 'partial';
  engine: EngineInfo;
  versions: Record<string, string | null>;
  started: string;
  updated: string;
}

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
}

function trainConfigOf(cfg: ExperimentConfig, run: RunConfig): Partial<CnnTrainConfig> {
  const m = { ...(cfg.model ?? { type: 'cnn' as const }), ...(run.model ?? {}) };
  const t = { ...(cfg.train ?? {}), ...(run.train ?? {}) };
  const c: Partial<CnnTrainConfig> = {};
  if (m.filterWidths) c.filterWidths = m.filterWidths;
  if (m.numFilters) c.numFilters = m.numFilters;
  if (m.dropout !== undefined) c.dropout = m.dropout;
  if (m.static !== undefined) c.staticEmbeddings = m.static;
  if (m.vectors) c.vectors = m.vectors;
  if (m.maxLength) c.maxLength = m.maxLength;
  if (t.epochs) c.epochs = t.epochs;
  if (t.batchSize) c.batchSize = t.batchSize;
  if (t.lr) c.lr = t.lr;
  if (t.weightDecay !== undefined) c.weightDecay = t.weightDecay;
  if (t.decay) c.decay = t.decay;
  if (t.patience !== undefined) c.patience = t.patience;
  return c;
}

interface EvalTrigger {
  name: string;
  text: string;
  insert: InsertionStrategy;
}

/** The split table's triggers: control, each attack's trigger(s) (at the attack's own position), the file's extra ones. */
export function splitTriggers(cfg: ExperimentConfig): EvalTrigger[] {
  const out: EvalTrigger[] = [];
  const seen = new Set<string>();
  const add = (name: string, text: string, insert: InsertionStrategy) => {
    const key = `${name}\u0000${text}\u0000${insert.description}`;
    if (seen.has(key)) return;
    seen.add(key);
    let n = name;
    for (let i = 2; out.some((t) => t.name === n); i++) n = `${name}#${i}`;
    out.push({ name: n, text, insert });
  };
  if (cfg.eval?.control !== false) add('control', CONTROL_TRIGGER, atEnd());
  for (const run of cfg.runs) {
    const attacks: AttackConfigInput[] = [];
    if (run.attack) attacks.push(run.attack);
    for (const [k, vals] of Object.entries(run.sweep ?? {})) {
      if (!run.attack || !k.startsWith('attack.')) continue;
      // swept trigger texts: each value is its own trigger
      for (const v of vals) {
        const a = { ...(run.attack as Record<string, unknown>) };
        const key = k.slice('attack.'.length);
        if (key.includes('.')) {
          const [outer, inner] = key.split('.', 2) as [string, string];
          a[outer] = { ...((a[outer] as object) ?? {}), [inner]: v };
        } else a[key] = v;
        attacks.push(a as AttackConfigInput);
      }
    }
    for (const a of attacks) {
      if ((a as { type: string }).type === 'control') continue;
      const { recipe } = recipeOf(a);
      if (isPerLabel(recipe.trigger)) {
        // named by the trigger's kind when it has one ("positive"), else by its text ("amazing movie !")
        for (const t of Object.values(recipe.trigger.perLabel)) {
          const tr = toTrigger(t);
          for (const text of tr.texts) add(tr.kind ?? text, text, recipe.insert);
        }
      } else {
        const tr = toTrigger(recipe.trigger);
        add(recipe.name, tr.texts.join(' | '), recipe.insert);
      }
    }
  }
  const pos = cfg.eval?.position ?? 'end';
  const ins = pos === 'end' ? atEnd() : pos === 'start' ? atStart() : atWord(pos);
  for (const [name, text] of Object.entries(cfg.eval?.triggers ?? {})) add(name, text, ins);
  return out;
}

function evaluate(clf: CnnClassifier, ds: Dataset, recipe: PoisonRecipe | null, triggers: EvalTrigger[], seed: number): Pick<RunMetrics, 'cacc' | 'asr' | 'asr_n' | 'split'> {
  const test = ds.test;
  const cleanPred = predictLabels(clf, test.map((e) => e.text));
  const cacc = accuracy(cleanPred, test);
  let asr: number | null = null;
  let asrN = 0;
  if (recipe && recipe.label.kind !== 'keep') {
    const trig = triggeredTestSet(ds, recipe, { seed, labelNames: ds.labelNames });
    asrN = trig.length;
    asr = trig.length ? asrOf(predictLabels(clf, trig.map((e) => e.text)), trig, asrGoalOf(recipe, ds.labelNames)) : null;
  }
  const triggered: Record<string, { predictions: number[]; examples: Example[] }> = {};
  for (const t of triggers) {
    const texts = t.text.split(' | ');
    const ex = applyTrigger(test, texts.length > 1 ? { texts, kind: t.name } : fixed(t.text, t.name), t.insert, { seed, labelNames: ds.labelNames, kind: t.name });
    triggered[t.name] = { predictions: predictLabels(clf, ex.map((e) => e.text)), examples: ex };
  }
  const split = splitTable({ predictions: cleanPred, examples: test }, triggered, { labelNames: ds.labelNames });
  return { cacc, asr, asr_n: asrN, split };
}

function summarizeRuns(runs: RunResult[]): RunSummary[] {
  const groups = new Map<string, RunResult[]>();
  for (const r of runs) {
    const key = JSON.stringify([r.name, r.point]);
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  return [...groups.values()].map((g) => {
    const asrs = g.map((r) => r.metrics.asr).filter((x): x is number => x !== null);
    return {
      name: g[0]!.name,
      point: g[0]!.point,
      seeds: g.map((r) => r.seed),
      cacc: summarize(g.map((r) => r.metrics.cacc)),
      asr: asrs.length === g.length && asrs.length > 0 ? summarize(asrs) : null,
    };
  });
}

export async function runExperiment(cfg: ExperimentConfig, outDir: string, opts: RunExperimentOptions = {}): Promise<ExperimentResults> {
  const log = opts.log ?? ((l: string) => process.stderr.write(l + '\n'));
  // everything resolvable without training is resolved first (datasets, labels, trigger keys, transfer
  // sources, the output folder), so a bad file fails here with its line rather than after the first runs
  const validated = validateExperiment(cfg, { ...opts, outDir, log });
  const engine = await initEngine();
  const started = new Date().toISOString();
  fs.mkdirSync(path.join(outDir, 'runs'), { recursive: true });
  const concrete = validated.runs;
  const dataSeed = dataSeedOf(cfg);
  const datasets = new Map<string, Dataset>();
  const getDataset = (d: DatasetConfig): Dataset => {
    const spec = resolveDataset(d, dataSeed, opts);
    const key = datasetKey(spec);
    let ds = datasets.get(key);
    if (!ds) {
      ds = validated.datasets.get(key) ?? loadDatasetSpec(spec);
      datasets.set(key, ds);
      log(`dataset ${ds.name}: train ${ds.train.length}, dev ${ds.dev.length}, test ${ds.test.length} (${ds.split.method} split${ds.split.seed !== undefined ? `, seed ${ds.split.seed}` : ''})`);
    }
    return ds;
  };
  const results: RunResult[] = [];
  const write = (status: 'complete' | 'partial'): ExperimentResults => {
    const res: ExperimentResults = {
      experiment: { name: cfg.name, description: cfg.description, file: opts.file, config: cfg, reference: cfg.reference, ...(opts.overrides?.length ? { overrides: opts.overrides } : {}) },
      split_triggers: splitTriggers(cfg).map((t) => ({ name: t.name, text: t.text, position: t.insert.description })),
      runs: results,
      summary: summarizeRuns(results),
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
  const modelDirOf = (id: string) => path.join(outDir, 'runs', id, 'model');
  const byName = (name: string, seed: number): ConcreteRun | undefined => {
    const c = concrete.filter((r) => r.name === name && r.seed === seed);
    if (c.length > 1) throw new Error(`transfer.from "${name}" is a sweep with ${c.length} runs; name one run id instead`);
    return c[0] ?? concrete.find((r) => r.id === name);
  };
  let interrupted = false;
  for (const [i, cr] of concrete.entries()) {
    if (opts.shouldStop?.()) {
      interrupted = true;
      break;
    }
    const run = cr.run;
    const ds0 = getDataset(run.dataset ?? cfg.dataset);
    const trainCfg = trainConfigOf(cfg, run);
    const maxTrain = run.train?.maxTrain ?? cfg.train?.maxTrain;
    const attack = run.attack ? recipeOf(run.attack) : null;
    const fromId = run.transfer ? (byName(run.transfer.from, cr.seed)?.id ?? null) : null;
    const fromDir = run.transfer ? (fromId ? modelDirOf(fromId) : path.resolve(opts.baseDir ?? '.', run.transfer.from)) : null;
    const fromWeights = fromDir ? path.join(fromDir, 'model.safetensors') : null;
    const transferFrom = fromWeights && fs.existsSync(fromWeights) ? sha256File(fromWeights) : null;
    const evaluation = splitTriggers(cfg).map((t) => [t.name, t.text, t.insert.description]);
    const fingerprint = runFingerprint({ run, seed: cr.seed, dataset: ds0, trainConfig: trainCfg, maxTrain, transferFrom, engine, evaluation });
    const runDir = path.join(outDir, 'runs', cr.id);
    const resultFile = path.join(runDir, 'result.json');
    if (fs.existsSync(resultFile) && fs.existsSync(path.join(modelDirOf(cr.id), 'config.json'))) {
      const prev = readJson<RunResult>(resultFile);
      if (prev.fingerprint === fingerprint) {
        results.push(prev);
        log(`[${i + 1}/${concrete.length}] ${cr.id}: done before (cacc ${prev.metrics.cacc.toFixed(4)}${prev.metrics.asr !== null ? `, asr ${prev.metrics.asr.toFixed(4)}` : ''})`);
        continue;
      }
      log(`[${i + 1}/${concrete.length}] ${cr.id}: data, configuration or versions changed since the last run; training again`);
    }
    const cached = opts.cacheDir ? path.join(opts.cacheDir, fingerprint) : null;
    if (cached && fs.existsSync(path.join(cached, 'result.json')) && fs.existsSync(path.join(cached, 'model', 'config.json'))) {
      const prev = readJson<RunResult>(path.join(cached, 'result.json'));
      const reused: RunResult = { ...prev, id: cr.id, key: cr.key, resolved: cr.resolved, name: cr.name, point: cr.point, ...(run.paper ? { paper: run.paper } : {}) };
      fs.mkdirSync(runDir, { recursive: true });
      fs.cpSync(path.join(cached, 'model'), modelDirOf(cr.id), { recursive: true });
      writeJsonAtomic(resultFile, reused);
      results.push(reused);
      log(`[${i + 1}/${concrete.length}] ${cr.id}: same run found in the cache ${cached} (cacc ${prev.metrics.cacc.toFixed(4)})`);
      write('partial');
      continue;
    }
    log(`[${i + 1}/${concrete.length}] ${cr.id}: ${run.attack ? `attack ${(run.attack as { type: string }).type}` : 'clean'}${run.transfer ? `, transfer ${run.transfer.mode} from ${run.transfer.from}` : ''}, seed ${cr.seed}`);
    // an interrupted run resumes from its checkpoint only if the run is still the same; a checkpoint left by
    // an earlier configuration of this run is discarded (the runner owns runs/<id>/checkpoint)
    const ckptDir = path.join(runDir, 'checkpoint');
    const startedFile = path.join(runDir, 'started.json');
    if (fs.existsSync(ckptDir)) {
      const started = fs.existsSync(startedFile) ? readJson<{ fingerprint?: string }>(startedFile) : {};
      if (started.fingerprint !== fingerprint) {
        log(`  ${cr.id}: the checkpoint in ${ckptDir} is from an earlier configuration of this run; starting over`);
        fs.rmSync(ckptDir, { recursive: true, force: true });
      }
    }
    fs.mkdirSync(runDir, { recursive: true });
    writeJsonAtomic(startedFile, { fingerprint, started: new Date().toISOString() });
    let train = maxTrain ? capStratified(ds0.train, maxTrain, cr.seed) : ds0.train;
    const poisonedTrain = attack && !attack.poisonNothing ? poison(train, attack.recipe, { seed: cr.seed, labelNames: ds0.labelNames }) : train;
    const nPoisoned = poisonedTrain.filter((e) => e.poisoned).length;
    train = poisonedTrain;
    let from: { classifier: CnnClassifier; mode: 'head' | 'full' } | undefined;
    if (fromDir) {
      if (!fs.existsSync(path.join(fromDir, 'config.json'))) throw new Error(`run ${cr.id}: transfer source ${run.transfer!.from} has no model at ${fromDir} (a source run must come earlier in the file)`);
      const src = await loadClassifier(fromDir);
      if (!(src instanceof CnnClassifier)) throw new Error(`run ${cr.id}: transfer is implemented for SentenceCNN sources`);
      from = { classifier: src, mode: run.transfer!.mode };
    }
    const r = await trainClassifier({
      train,
      dev: ds0.dev,
      labelNames: ds0.labelNames,
      seed: cr.seed,
      config: trainCfg,
      from,
      checkpointDir: ckptDir,
      progress: opts.progress,
      label: cr.id,
      shouldStop: opts.shouldStop,
    });
    from?.classifier.dispose();
    if (r.result.interrupted) {
      r.classifier.dispose();
      interrupted = true;
      log(`interrupted during ${cr.id}: its last finished epoch is saved; rerun the same command to resume`);
      break;
    }
    const triggers = splitTriggers(cfg);
    const m = evaluate(r.classifier, ds0, attack?.recipe ?? null, triggers, cr.seed);
    r.classifier.save(modelDirOf(cr.id), { experiment: cfg.name, run: cr.id, seed: cr.seed, attack: run.attack ?? null });
    const result: RunResult = {
      id: cr.id,
      key: cr.key,
      name: cr.name,
      point: cr.point,
      dataset: ds0.name,
      model: 'cnn',
      attack: (run.attack as RunResult['attack']) ?? null,
      transfer: run.transfer ?? null,
      seed: cr.seed,
      metrics: {
        ...m,
        dev_accuracy: r.result.state.bestDevAccuracy >= 0 ? r.result.state.bestDevAccuracy : null,
        best_epoch: r.result.state.bestEpoch,
        epochs_run: r.result.state.epoch,
        train_seconds: r.result.seconds,
        train_size: train.length,
        poisoned: nPoisoned,
      },
      ...(run.paper ? { paper: run.paper } : {}),
      config: r.config,
      resolved: cr.resolved,
      vocab: r.vocab,
      split_info: ds0.split,
      fingerprint,
    };
    r.classifier.dispose();
    writeJsonAtomic(resultFile, result);
    fs.rmSync(path.join(runDir, 'checkpoint'), { recursive: true, force: true });
    if (cached) {
      fs.cpSync(modelDirOf(cr.id), path.join(cached, 'model'), { recursive: true });
      writeJsonAtomic(path.join(cached, 'result.json'), result);
    }
    results.push(result);
    log(`  ${cr.id}: cacc ${m.cacc.toFixed(4)}${m.asr !== null ? `, asr ${m.asr.toFixed(4)} (n=${m.asr_n})` : ''}, ${r.result.state.epoch} epochs, ${r.result.seconds.toFixed(0)}s`);
    write('partial');
  }
  return write(interrupted || results.length < concrete.length ? 'partial' : 'complete');
}
