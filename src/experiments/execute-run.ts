// One concrete run of an experiment, start to finish: poison the training split, train (or transfer from an
// earlier run's model), measure CACC, ASR and the study's split table, save the model to runs/<id>/model.
// It runs wherever the coordinator (runner.ts) puts it: in the coordinator's process, or in a worker process
// (run-worker.ts) with its own tensor engine. It writes only the run's own folder (model/, checkpoint/,
// started.json); recording the outcome (store.jsonl, result.json, results.json) is the coordinator's job.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Dataset, Example } from '../data/types.js';
import { loadDatasetSpec } from '../data/index.js';
import type { ExperimentConfig, DatasetConfig, RunConfig } from './schema.js';
import type { ConcreteRun } from './expand.js';
import type { RunMetrics, RunResult } from './results.js';
import { poison, triggeredTestSet, applyTrigger, asrGoalOf, type PoisonRecipe, type AttackConfigInput } from '../attacks/index.js';
import { resolveDataset, datasetKey, dataSeedOf, recipeOf } from './validate.js';
import { atEnd, atStart, atWord, type InsertionStrategy } from '../triggers/insert.js';
import { fixed, isPerLabel, toTrigger } from '../triggers/trigger.js';
import { CONTROL_TRIGGER } from '../attacks/recipes/control.js';
import { trainClassifier, type CnnTrainConfig } from '../train/train-classifier.js';
import { CnnClassifier, loadClassifier } from '../models/classifier.js';
import { labelPredictor, type EvalEngineName, type EvalEngineOptions } from './eval-engine.js';
import { asr as asrOf, accuracy, splitTable } from '../eval/index.js';
import { capStratified } from '../train/sample.js';
import { writeJsonAtomic, readJson } from '../common/fs-atomic.js';
import { defenseConfigSchema, runDefense, type DefenseMetrics } from '../defenses/index.js';
import { fingerprintOf } from '../train/checkpoint.js';
import { cachedDatasetDigest } from './run-identity.js';

/** What a run needs besides its own configuration; plain data, so it can be sent to a worker process. */
export interface RunContextInit {
  cfg: ExperimentConfig;
  outDir: string;
  /** where named datasets live (like shared/data) */
  dataDir?: string;
  /** folder of the experiment file: relative paths resolve against it */
  baseDir?: string;
  /** the engine the test sets are evaluated through (eval-engine.ts; default auto: onnx when it loads) */
  evalEngine?: EvalEngineName;
  /** onnx intra-op threads in this process (default: the number of cores) */
  evalThreads?: number;
}

/** One run to do: the concrete run, its fingerprint, where its transfer source's model is. */
export interface RunTask {
  cr: ConcreteRun;
  fingerprint: string;
  /** the transfer source's model folder (null: trained from scratch) */
  fromDir: string | null;
}

export type RunOutcome = { status: 'done'; result: RunResult } | { status: 'failed'; error: string } | { status: 'interrupted' };

export interface RunHooks {
  shouldStop?: () => boolean;
  log: (line: string) => void;
  progress?: boolean;
}

export class RunContext {
  private readonly datasets = new Map<string, Dataset>();
  constructor(
    readonly init: RunContextInit,
    preloaded?: Map<string, Dataset>,
  ) {
    for (const [k, d] of preloaded ?? []) this.datasets.set(k, d);
  }
  /** The dataset of a config, loaded once per process (a worker loads it on its first run). */
  dataset(d: DatasetConfig): Dataset {
    const spec = resolveDataset(d, dataSeedOf(this.init.cfg), this.init);
    const key = datasetKey(spec);
    let ds = this.datasets.get(key);
    if (!ds) this.datasets.set(key, (ds = loadDatasetSpec(spec)));
    return ds;
  }
  modelDirOf(id: string): string {
    return path.join(this.init.outDir, 'runs', id, 'model');
  }
}

export function trainConfigOf(cfg: ExperimentConfig, run: RunConfig): Partial<CnnTrainConfig> {
  const m = { ...(cfg.model ?? { type: 'cnn' as const }), ...(run.model ?? {}) };
  const t = { ...(cfg.train ?? {}), ...(run.train ?? {}) };
  const c: Partial<CnnTrainConfig> = {};
  if (m.filterWidths) c.filterWidths = m.filterWidths;
  if (m.numFilters) c.numFilters = m.numFilters;
  if (m.dropout !== undefined) c.dropout = m.dropout;
  if (m.static !== undefined) c.staticEmbeddings = m.static;
  if (m.vectors) c.vectors = m.vectors;
  if (m.maxLength) c.maxLength = m.maxLength;
  if (m.edgePadding !== undefined) c.edgePadding = m.edgePadding;
  if (t.epochs) c.epochs = t.epochs;
  if (t.batchSize) c.batchSize = t.batchSize;
  if (t.lr) c.lr = t.lr;
  if (t.weightDecay !== undefined) c.weightDecay = t.weightDecay;
  if (t.decay) c.decay = t.decay;
  if (t.patience !== undefined) c.patience = t.patience;
  if (t.maxNorm !== undefined) c.maxNorm = t.maxNorm;
  if (t.workers !== undefined) c.workers = t.workers;
  return c;
}

export interface EvalTrigger {
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
    const sweptAttack = Object.keys(run.sweep ?? {}).some((k) => k.startsWith('attack.'));
    // an attack whose proportion only its sweep gives is recipe-complete with any proportion
    if (run.attack && !(sweptAttack && (run.attack as Record<string, unknown>)['proportion'] === undefined)) attacks.push(run.attack);
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
        if (a['proportion'] === undefined) a['proportion'] = 1;
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

export type RunEvaluation = Pick<RunMetrics, 'cacc' | 'asr' | 'asr_n' | 'split' | 'eval_engine' | 'eval_seconds'>;

/**
 * CACC, ASR and the split table of a trained classifier: its predictions on the clean test set, the attack's
 * triggered test set and every split-table trigger, through `engine` (eval-engine.ts: onnxruntime when it
 * loads, else tfjs; both give the same predictions).
 */
export async function evaluateRun(
  clf: CnnClassifier,
  ds: Dataset,
  recipe: PoisonRecipe | null,
  triggers: EvalTrigger[],
  seed: number,
  engine: EvalEngineName = 'auto',
  opts: EvalEngineOptions = {},
): Promise<RunEvaluation> {
  const t0 = performance.now();
  const predictor = await labelPredictor(clf, engine, opts);
  try {
    const test = ds.test;
    const cleanPred = await predictor.predict(test.map((e) => e.text));
    const cacc = accuracy(cleanPred, test);
    let asr: number | null = null;
    let asrN = 0;
    if (recipe && recipe.label.kind !== 'keep') {
      const trig = triggeredTestSet(ds, recipe, { seed, labelNames: ds.labelNames });
      asrN = trig.length;
      asr = trig.length ? asrOf(await predictor.predict(trig.map((e) => e.text)), trig, asrGoalOf(recipe, ds.labelNames)) : null;
    }
    const triggered: Record<string, { predictions: number[]; examples: Example[] }> = {};
    for (const t of triggers) {
      const texts = t.text.split(' | ');
      const ex = applyTrigger(test, texts.length > 1 ? { texts, kind: t.name } : fixed(t.text, t.name), t.insert, { seed, labelNames: ds.labelNames, kind: t.name });
      triggered[t.name] = { predictions: await predictor.predict(ex.map((e) => e.text)), examples: ex };
    }
    const split = splitTable({ predictions: cleanPred, examples: test }, triggered, { labelNames: ds.labelNames });
    return { cacc, asr, asr_n: asrN, split, eval_engine: predictor.engine, eval_seconds: +((performance.now() - t0) / 1000).toFixed(3) };
  } finally {
    await predictor.dispose();
  }
}

/** Train and evaluate one run. Errors become a `failed` outcome: one run's crash does not stop the others. */
export async function executeRun(ctx: RunContext, task: RunTask, hooks: RunHooks): Promise<RunOutcome> {
  try {
    return await execute(ctx, task, hooks);
  } catch (e) {
    const err = e as Error;
    return { status: 'failed', error: process.env['NLP_BACKDOOR_DEBUG'] ? (err.stack ?? String(e)) : (err.message ?? String(e)) };
  }
}

async function execute(ctx: RunContext, task: RunTask, hooks: RunHooks): Promise<RunOutcome> {
  const t0 = performance.now();
  const { cfg, outDir } = ctx.init;
  const { cr, fingerprint, fromDir } = task;
  const run = cr.run;
  const log = hooks.log;
  const ds0 = ctx.dataset(run.dataset ?? cfg.dataset);
  const trainCfg = trainConfigOf(cfg, run);
  const maxTrain = run.train?.maxTrain ?? cfg.train?.maxTrain;
  const attack = run.attack ? recipeOf(run.attack) : null;
  const runDir = path.join(outDir, 'runs', cr.id);
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
  const trainOnce = async (t: typeof train, opts: { checkpointDir?: string; label: string; reloadSource?: boolean }) =>
    trainClassifier({
      train: t,
      dev: ds0.dev,
      labelNames: ds0.labelNames,
      seed: cr.seed,
      config: trainCfg,
      // a retraining after the source was released loads it again
      from: from && opts.reloadSource ? { classifier: (await loadClassifier(fromDir!)) as CnnClassifier, mode: from.mode } : from,
      checkpointDir: opts.checkpointDir,
      progress: hooks.progress,
      label: opts.label,
      shouldStop: hooks.shouldStop,
    });
  // runs that differ only in their defense share one trained victim (victims/<fingerprint>/): a sweep over
  // six defenses trains the backdoored model once
  const victimDir = run.defense ? path.join(outDir, 'victims', fingerprintOf({ identity: 'nlp-backdoor-victim/1', attack: run.attack ?? null, data: cachedDatasetDigest(ds0), trainCfg, maxTrain: maxTrain ?? null, seed: cr.seed, from: fromDir })) : null;
  const cached = victimDir && fs.existsSync(path.join(victimDir, 'model', 'config.json')) ? readJson<{ result: Awaited<ReturnType<typeof trainClassifier>>['result']; config: Awaited<ReturnType<typeof trainClassifier>>['config']; vocab: Awaited<ReturnType<typeof trainClassifier>>['vocab'] }>(path.join(victimDir, 'training.json')) : null;
  const r = cached
    ? { ...cached, classifier: (await loadClassifier(path.join(victimDir!, 'model'))) as CnnClassifier, resumedFromEpoch: 0 }
    : await trainOnce(train, { checkpointDir: ckptDir, label: cr.id });
  if (cached) log(`  ${cr.id}: victim from ${victimDir}`);
  else if (victimDir && !r.result.interrupted) {
    // written whole to a temporary folder, then renamed: a reader never sees half a victim
    const tmp = `${victimDir}.tmp-${process.pid}`;
    fs.rmSync(tmp, { recursive: true, force: true });
    r.classifier.save(path.join(tmp, 'model'));
    writeJsonAtomic(path.join(tmp, 'training.json'), { result: { ...r.result, state: { ...r.result.state, best: null, optimizer: null } }, config: r.config, vocab: r.vocab });
    try {
      fs.renameSync(tmp, victimDir);
    } catch {
      fs.rmSync(tmp, { recursive: true, force: true }); // another worker saved the same victim first
    }
  }
  from?.classifier.dispose();
  if (r.result.interrupted) {
    r.classifier.dispose();
    return { status: 'interrupted' };
  }
  let m: RunEvaluation;
  let defense: DefenseMetrics | undefined;
  try {
    m = await evaluateRun(r.classifier, ds0, attack?.recipe ?? null, splitTriggers(cfg), cr.seed, ctx.init.evalEngine ?? 'auto', { threads: ctx.init.evalThreads, log });
    if (run.defense) {
      const dcfg = defenseConfigSchema.parse(run.defense);
      const recipe = attack?.recipe ?? null;
      const triggered = recipe && recipe.label.kind !== 'keep' ? triggeredTestSet(ds0, recipe, { seed: cr.seed, labelNames: ds0.labelNames }) : [];
      const lmCorpus = dcfg.lmCorpus ? path.resolve(ctx.init.baseDir ?? '.', dcfg.lmCorpus) : undefined;
      log(`  ${cr.id}: defense ${dcfg.type}`);
      defense = await runDefense(
        dcfg,
        {
          victim: r.classifier,
          train,
          dev: ds0.dev,
          test: ds0.test,
          triggered,
          goal: recipe && recipe.label.kind !== 'keep' ? asrGoalOf(recipe, ds0.labelNames) : null,
          seed: cr.seed,
          retrain: async (kept) => {
            const rr = await trainOnce(kept, { label: `${cr.id} (${dcfg.type} retrain)`, reloadSource: true });
            return rr.classifier;
          },
        },
        { lmCorpus },
      );
    }
    r.classifier.save(ctx.modelDirOf(cr.id), { experiment: cfg.name, run: cr.id, seed: cr.seed, attack: run.attack ?? null, ...(run.defense ? { defense: run.defense } : {}) });
  } finally {
    r.classifier.dispose();
  }
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
      run_seconds: +((performance.now() - t0) / 1000).toFixed(3),
      ...(defense ? { defense } : {}),
    },
    ...(run.paper ? { paper: run.paper } : {}),
    config: r.config,
    resolved: cr.resolved,
    vocab: r.vocab,
    split_info: ds0.split,
    fingerprint,
  };
  return { status: 'done', result };
}
